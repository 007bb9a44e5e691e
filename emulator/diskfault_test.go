//go:build linux

package emulator

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// tmpfs mounts a small tmpfs for the test (root only: skipped with a message
// otherwise, a failure under CI=true).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("disk fault tests need root (to mount a tmpfs) and CI runs them")
		}
		t.Skip("needs root to mount a tmpfs: run as root, or in CI")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// Faults on disk: a full disk and a state that turned read-only. The write fails
// with an error that says why, and nothing is half-written: the state opens again
// and every write acknowledged before is there with its bytes.
func TestDiskFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(t *testing.T, dir string, st *Store) *Store // the store to write to next
		want  []string                                         // any of these in the error
	}{
		{"full disk", func(t *testing.T, dir string, st *Store) *Store { return st }, []string{"full", "no space"}},
		{"read-only", func(t *testing.T, dir string, st *Store) *Store {
			st.Close() // a busy mount cannot turn read-only
			if out, err := exec.Command("mount", "-o", "remount,ro", dir).CombinedOutput(); err != nil {
				t.Fatalf("remount ro: %v %s", err, out)
			}
			st, err := Open(dir)
			if err != nil {
				t.Logf("Open on a read-only state: %v", err)
				return nil
			}
			return st
		}, []string{"read-only", "readonly"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tmpfs(t, "1m")
			st, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			ns, err := st.Namespace("faults")
			if err != nil {
				t.Fatal(err)
			}
			acked := map[string][]byte{}
			put := func(i int) error {
				key, val := fmt.Sprintf("k%04d", i), bytes.Repeat([]byte{byte('a' + i%26)}, 20_000+i)
				_, err := ns.Put(key, val, PutOptions{})
				if err == nil {
					acked[key] = val
				}
				return err
			}
			for i := range 5 {
				if err := put(i); err != nil {
					t.Fatalf("put %d before the fault: %v", i, err)
				}
			}
			var ferr error
			if st = tc.fault(t, dir, st); st == nil {
				ferr = errors.New("read-only: open failed") // checked above through the log
			} else if ns, ferr = st.Namespace("faults"); ferr == nil {
				for i := 5; i < 200 && ferr == nil; i++ { // 1 MiB fills within ~50 puts of 20 KB
					ferr = put(i)
				}
			}
			if ferr == nil {
				t.Fatal("no write failed")
			}
			msg := strings.ToLower(strings.ReplaceAll(ferr.Error(), dir, "")) // the temp dir is named after the test
			clear := false
			for _, w := range tc.want {
				clear = clear || strings.Contains(msg, w)
			}
			if !clear && !errors.Is(ferr, syscall.ENOSPC) && !errors.Is(ferr, syscall.EROFS) {
				t.Errorf("unclear error: %v", ferr)
			}
			if st != nil {
				st.Close()
			}
			if tc.name == "read-only" {
				exec.Command("mount", "-o", "remount,rw", dir).Run()
			}
			// Reopened (space freed or not): every acknowledged write, exact.
			st2, err := Open(dir)
			if err != nil {
				t.Fatalf("reopen after %s: %v", tc.name, err)
			}
			defer st2.Close()
			ns2, err := st2.Namespace("faults")
			if err != nil {
				t.Fatalf("namespace after %s: %v", tc.name, err)
			}
			for k, want := range acked {
				if got, err := ns2.Get(k); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s after %s: %d bytes, %v; want %d bytes", k, tc.name, len(got), err, len(want))
				}
			}
			t.Logf("FIGURE disk fault %s: %d writes acknowledged before the failure, all intact; error: %v", tc.name, len(acked), ferr)
		})
	}
}
