package emulator

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// openForSync opens a file to fsync it: FlushFileBuffers needs write access
// (read-only, Sync fails with "Access denied"). A folder cannot be flushed on
// Windows (NTFS journals its entries): errSkipSync says so.
func openForSync(path string) (*os.File, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, errSkipSync
	}
	return os.OpenFile(path, os.O_RDWR, 0)
}

// hardLinkBlobs: on Windows a snapshot copies the blobs. linkOrCopy falls back
// to a copy on the Unix errors for "no links here" (EXDEV, EPERM, ENOTSUP),
// which Windows does not return: a snapshot on FAT or exFAT, or across drives,
// would fail instead of copying.
const hardLinkBlobs = false

// readBlob is a blob file's bytes, read through openBlob.
func readBlob(path string) ([]byte, error) {
	f, err := openBlob(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// openBlob opens a blob file to read it, sharing delete as well as read and
// write. os.Open shares only read and write, so while a reader has a blob open,
// another writer's removal of that (replaced) blob fails, and a reader opening
// it while a removal is under way fails with "Sharing violation" (found under
// Wine: TestUpdateAcrossConnectionsLosesNothing). POSIX lets both go on, and
// the read path already handles a blob that went away (it reads the row again).
func openBlob(path string) (*os.File, error) {
	name := path
	// CreateFile's paths stop at MAX_PATH unless spelled \\?\ (os does this
	// itself; a blob's path under a deep project easily passes 260).
	if filepath.IsAbs(path) && len(path) >= 248 && !strings.HasPrefix(path, `\\`) {
		name = `\\?\` + filepath.Clean(path)
	}
	p, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.OPEN_EXISTING, syscall.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}
