//go:build linux

package powercut_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/powercut"
)

// image cuts the power, unmounts and returns the folder the durable state was
// written to.
func image(t *testing.T, f *powercut.FS) string {
	t.Helper()
	f.Cut()
	if err := f.Unmount(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "after")
	if err := f.Image(dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func write(t *testing.T, path, s string, sync bool) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if sync {
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func syncDir(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// want checks a file of the image: content, or absent when content is "-".
func want(t *testing.T, path, content string) {
	t.Helper()
	b, err := os.ReadFile(path)
	switch {
	case content == "-" && !errors.Is(err, os.ErrNotExist):
		t.Errorf("%s: %q %v, want it gone", filepath.Base(path), b, err)
	case content != "-" && (err != nil || string(b) != content):
		t.Errorf("%s: %q %v, want %q", filepath.Base(path), b, err, content)
	}
}

// TestDurabilityModel: only fsynced bytes under fsynced names survive a cut.
func TestDurabilityModel(t *testing.T) {
	backing := t.TempDir()
	os.WriteFile(filepath.Join(backing, "old"), []byte("there at mount"), 0o644)
	os.WriteFile(filepath.Join(backing, "doomed"), []byte("there at mount"), 0o644)
	os.WriteFile(filepath.Join(backing, "moved"), []byte("there at mount"), 0o644)
	f, mnt := powercut.MountOverForTest(t, backing)
	p := func(n string) string { return filepath.Join(mnt, n) }

	write(t, p("unsynced"), "never fsynced", false)
	write(t, p("nameless"), "fsynced, folder not", true)
	write(t, p("old"), "overwritten, not fsynced", false)
	os.Remove(p("doomed")) // unlink, folder not fsynced: comes back
	os.Rename(p("moved"), p("renamed"))
	os.Mkdir(p("sub"), 0o755)
	syncDir(t, mnt) // "sub" is durable, not what is in it
	write(t, p("sub/inner"), "fsynced, folder not", true)
	write(t, p("durable"), "first", true)
	write(t, p("durable2"), "x", false)
	syncDir(t, mnt)
	write(t, p("durable"), "second, not fsynced", false)
	// Now "unsynced" and "nameless" have names (the folder sync above), but
	// only "nameless" has bytes.
	os.Remove(p("renamed")) // after the folder sync, not durable

	dst := image(t, f)
	img := func(n string) string { return filepath.Join(dst, n) }
	want(t, img("unsynced"), "")
	want(t, img("nameless"), "fsynced, folder not")
	want(t, img("old"), "there at mount")
	want(t, img("doomed"), "-")
	want(t, img("moved"), "-")
	want(t, img("renamed"), "there at mount")
	want(t, img("sub/inner"), "-")
	want(t, img("durable"), "first")
	want(t, img("durable2"), "")
	if st, err := os.Stat(img("sub")); err != nil || !st.IsDir() {
		t.Errorf("sub: %v", err)
	}
}

// TestFsyncFailsAfterCut: no program can be told a write is durable after the
// power is gone.
func TestFsyncFailsAfterCut(t *testing.T) {
	f, mnt := powercut.MountForTest(t)
	fh, err := os.Create(filepath.Join(mnt, "late"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	f.Cut()
	fh.WriteString("after the cut")
	if err := fh.Sync(); !errors.Is(err, syscall.EIO) {
		t.Errorf("fsync after the cut: %v, want EIO", err)
	}
}

// TestSharedMmapAndLocks: SQLite needs shared writable mappings and POSIX locks
// through the mount; two mappings of one file see each other's writes.
func TestSharedMmapAndLocks(t *testing.T) {
	_, mnt := powercut.MountForTest(t)
	path := filepath.Join(mnt, "shm")
	write(t, path, string(make([]byte, 4096)), false)
	open := func() []byte {
		fd, err := syscall.Open(path, syscall.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Close(fd) })
		m, err := syscall.Mmap(fd, 0, 4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Munmap(m) })
		return m
	}
	a, b := open(), open()
	a[100] = 42
	if b[100] != 42 {
		t.Errorf("a write through one shared mapping is not seen through the other")
	}
	fd, err := syscall.Open(path, syscall.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: 0, Start: 0, Len: 1}
	if err := syscall.FcntlFlock(uintptr(fd), syscall.F_SETLK, &lk); err != nil {
		t.Errorf("POSIX lock through the mount: %v", err)
	}
}
