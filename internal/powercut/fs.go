//go:build linux

package powercut

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// entry is one durable name in a folder.
type entry struct {
	id  uint64 // the file's or folder's identity
	dir bool
}

// state is what survives a cut: each folder's durable names and each file's
// durable bytes, by identity. Identities stand for backing inodes, renewed when
// a file is created, so a reused inode number never inherits an old file's
// durable bytes.
type state struct {
	mu      sync.Mutex
	cut     bool
	nextID  uint64
	ids     map[uint64]uint64 // backing inode number -> identity
	names   map[uint64]map[string]entry
	content map[uint64][]byte
	rootID  uint64
	syncs   int // fsyncs recorded (files and folders)
}

// idOf is the identity of a backing inode, made up the first time it is seen
// (under mu).
func (s *state) idOf(ino uint64) uint64 {
	if id, ok := s.ids[ino]; ok {
		return id
	}
	s.nextID++
	s.ids[ino] = s.nextID
	return s.nextID
}

// renew gives a backing inode a new identity: a file was created on it (under mu).
func (s *state) renew(ino uint64) {
	s.nextID++
	s.ids[ino] = s.nextID
}

// FS is a mounted power-cut file system.
type FS struct {
	backing, mnt string
	server       *fuse.Server
	st           *state
	onUnmount    func() // tests: the cleanup need not unmount again
	conn         uint32 // the FUSE connection's number (the mount's device minor)
}

// Mount mounts a power-cut passthrough of backing at mnt (both existing
// folders). What backing holds now is durable. It needs /dev/fuse and the
// right to mount (root); Available says whether this machine has them.
func Mount(mnt, backing string) (*FS, error) {
	backing, err := filepath.Abs(backing)
	if err != nil {
		return nil, err
	}
	st := &state{ids: map[uint64]uint64{}, names: map[uint64]map[string]entry{}, content: map[uint64][]byte{}}
	if st.rootID, err = st.snapshotTree(backing); err != nil {
		return nil, fmt.Errorf("powercut: reading %s: %w", backing, err)
	}
	lr := &fs.LoopbackRoot{Path: backing}
	var rst syscall.Stat_t
	if err := syscall.Stat(backing, &rst); err != nil {
		return nil, err
	}
	lr.Dev = rst.Dev
	lr.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return &node{LoopbackNode: fs.LoopbackNode{RootData: r}, st: st}
	}
	root := &node{LoopbackNode: fs.LoopbackNode{RootData: lr}, st: st}
	lr.RootNode = root
	server, err := fs.Mount(mnt, root, &fs.Options{MountOptions: fuse.MountOptions{
		DirectMountStrict: true, // mount(2) ourselves: no fusermount needed as root
		FsName:            "powercut",
		Name:              "powercut",
		AllowOther:        true,
	}})
	if err != nil {
		return nil, fmt.Errorf("powercut: mounting at %s: %w", mnt, err)
	}
	f := &FS{backing: backing, mnt: mnt, server: server, st: st}
	var mst syscall.Stat_t
	if err := syscall.Stat(mnt, &mst); err == nil {
		f.conn = uint32(mst.Dev&0xff) | uint32((mst.Dev>>12)&0xfff00)
	}
	return f, nil
}

// snapshotTree records everything under dir as durable and returns its identity.
func (s *state) snapshotTree(dir string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return 0, err
	}
	id := s.idOf(st.Ino)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	names := map[string]entry{}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			cid, err := s.snapshotTree(p)
			if err != nil {
				return 0, err
			}
			names[e.Name()] = entry{id: cid, dir: true}
		case e.Type().IsRegular():
			var cst syscall.Stat_t
			if err := syscall.Lstat(p, &cst); err != nil {
				return 0, err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return 0, err
			}
			cid := s.idOf(cst.Ino)
			s.content[cid] = b
			names[e.Name()] = entry{id: cid}
		}
	}
	s.names[id] = names
	return id, nil
}

// Cut is the power failure: from now on nothing more becomes durable, and
// every fsync fails with EIO. The mount stays up until Unmount, so programs
// still running can be stopped at leisure.
func (f *FS) Cut() {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	f.st.cut = true
}

// Syncs is how many fsyncs (of files and folders) were recorded before the cut.
func (f *FS) Syncs() int {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	return f.st.syncs
}

// Unmount unmounts; every program using the mount must have stopped.
func (f *FS) Unmount() error {
	if f.onUnmount != nil {
		f.onUnmount()
	}
	err := f.server.Unmount()
	if err != nil {
		// Something still holds a file (a test that failed half-way): abort
		// the connection, or that holder's last close would wait forever for
		// a server that is gone, then detach the mount.
		f.abort()
		syscall.Unmount(f.mnt, syscall.MNT_DETACH)
		return fmt.Errorf("powercut: unmounting %s: %w (connection aborted)", f.mnt, err)
	}
	f.server.Wait()
	return nil
}

// abort aborts the FUSE connection through fusectl: every request pending or
// to come fails at once.
func (f *FS) abort() {
	const ctl = "/sys/fs/fuse/connections"
	if _, err := os.Stat(filepath.Join(ctl, fmt.Sprint(f.conn))); err != nil {
		syscall.Mount("fusectl", ctl, "fusectl", 0, "")
	}
	os.WriteFile(filepath.Join(ctl, fmt.Sprint(f.conn), "abort"), []byte("1"), 0o200)
}

// Image writes the durable state into dst (an empty or absent folder): what a
// machine would find after the power came back.
func (f *FS) Image(dst string) error {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	return f.st.write(f.st.rootID, dst)
}

func (s *state) write(id uint64, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, e := range s.names[id] {
		p := filepath.Join(dir, name)
		if e.dir {
			if err := s.write(e.id, p); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(p, s.content[e.id], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Available says why this machine can't run the simulator (nil: it can).
func Available() error {
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Errorf("no /dev/fuse: %w", err)
	}
	if os.Geteuid() != 0 {
		return errors.New("mounting FUSE without fusermount needs root")
	}
	return nil
}

// node is a loopback node whose fsyncs record durable state.
type node struct {
	fs.LoopbackNode
	st *state
}

var (
	_ fs.NodeFsyncer         = (*node)(nil)
	_ fs.NodeOpener          = (*node)(nil)
	_ fs.NodeCreater         = (*node)(nil)
	_ fs.NodeOpendirHandler  = (*node)(nil)
	_ fs.NodeMknoder         = (*node)(nil)
	_ fs.FilePassthroughFder = (*file)(nil)
)

func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(n.Root()))
}

// file is a loopback file handle that never asks the kernel for passthrough
// (reads and writes must go through this process, as must fsyncs).
type file struct {
	*fs.LoopbackFile
}

func (f *file) PassthroughFd() (int, bool) { return -1, false }

func (f *file) fd() int {
	fd, _ := f.LoopbackFile.PassthroughFd()
	return fd
}

func wrap(fh fs.FileHandle) fs.FileHandle {
	if lf, ok := fh.(*fs.LoopbackFile); ok {
		return &file{lf}
	}
	return fh
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.Open(ctx, flags)
	return wrap(fh), fl, errno
}

func (n *node) Create(ctx context.Context, name string, flags, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	ch, fh, fl, errno := n.LoopbackNode.Create(ctx, name, flags, mode, out)
	if errno == 0 {
		n.renewPath(filepath.Join(n.backingPath(), name))
	}
	return ch, wrap(fh), fl, errno
}

func (n *node) Mknod(ctx context.Context, name string, mode, rdev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	ch, errno := n.LoopbackNode.Mknod(ctx, name, mode, rdev, out)
	if errno == 0 {
		n.renewPath(filepath.Join(n.backingPath(), name))
	}
	return ch, errno
}

// renewPath gives the new file at backing path p a new identity.
func (n *node) renewPath(p string) {
	var st syscall.Stat_t
	if syscall.Lstat(p, &st) != nil {
		return
	}
	n.st.mu.Lock()
	n.st.renew(st.Ino)
	n.st.mu.Unlock()
}

// Fsync records the file's bytes as durable (a folder's fsync comes through
// the folder handle's Fsyncdir, or here when there is none).
func (n *node) Fsync(ctx context.Context, fh fs.FileHandle, flags uint32) syscall.Errno {
	if n.IsDir() {
		return n.syncDir()
	}
	// Read the bytes through a read-only descriptor of our own: the
	// program's may be write-only, and the file may have no name any more.
	src := n.backingPath()
	if f, ok := fh.(*file); ok {
		src = fmt.Sprintf("/proc/self/fd/%d", f.fd())
	}
	fd, err := syscall.Open(src, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fs.ToErrno(err)
	}
	defer syscall.Close(fd)
	n.st.mu.Lock()
	defer n.st.mu.Unlock()
	if n.st.cut {
		return syscall.EIO
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return fs.ToErrno(err)
	}
	b := make([]byte, st.Size)
	for off := 0; off < len(b); {
		m, err := syscall.Pread(fd, b[off:], int64(off))
		if err != nil {
			return fs.ToErrno(err)
		}
		if m == 0 {
			b = b[:off] // shrank meanwhile
			break
		}
		off += m
	}
	n.st.content[n.st.idOf(st.Ino)] = b
	n.st.syncs++
	return 0
}

// syncDir records the folder's current names as durable.
func (n *node) syncDir() syscall.Errno {
	n.st.mu.Lock()
	defer n.st.mu.Unlock()
	if n.st.cut {
		return syscall.EIO
	}
	dir := n.backingPath()
	var st syscall.Stat_t
	if err := syscall.Lstat(dir, &st); err != nil {
		return fs.ToErrno(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fs.ToErrno(err)
	}
	names := map[string]entry{}
	for _, e := range ents {
		var cst syscall.Stat_t
		if err := syscall.Lstat(filepath.Join(dir, e.Name()), &cst); err != nil {
			continue // removed meanwhile
		}
		if e.IsDir() || e.Type().IsRegular() {
			names[e.Name()] = entry{id: n.st.idOf(cst.Ino), dir: e.IsDir()}
		}
	}
	n.st.names[n.st.idOf(st.Ino)] = names
	n.st.syncs++
	return 0
}

func (n *node) OpendirHandle(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	fh, fl, errno := n.LoopbackNode.OpendirHandle(ctx, flags)
	if errno != 0 {
		return nil, 0, errno
	}
	return &dirHandle{inner: fh, n: n}, fl, 0
}

// dirHandle is the loopback folder handle with fsync recording the names.
type dirHandle struct {
	inner fs.FileHandle
	n     *node
}

func (d *dirHandle) Fsyncdir(ctx context.Context, flags uint32) syscall.Errno { return d.n.syncDir() }

func (d *dirHandle) Readdirent(ctx context.Context) (*fuse.DirEntry, syscall.Errno) {
	return d.inner.(fs.FileReaddirenter).Readdirent(ctx)
}

func (d *dirHandle) Seekdir(ctx context.Context, off uint64) syscall.Errno {
	return d.inner.(fs.FileSeekdirer).Seekdir(ctx, off)
}

func (d *dirHandle) Releasedir(ctx context.Context, flags uint32) {
	d.inner.(fs.FileReleasedirer).Releasedir(ctx, flags)
}
