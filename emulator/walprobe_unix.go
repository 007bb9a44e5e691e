//go:build unix

package emulator

import (
	"errors"
	"os"
	"syscall"
	"unsafe"
)

// walIndexMapped: a read checks the WAL-index header in a shared mapping of
// the -shm file, with no syscall.
const walIndexMapped = true

// mapWALIndex maps the first page of the -shm file read-only and shared. The
// descriptor is a held one (see heldFile): opening and closing our own would
// drop SQLite's locks on the file. release gives it back; the mapping outlives
// it (see walProbe).
func mapWALIndex(path string) (*[walIndexHeaderWords]uint64, func() error, error) {
	f, err := holdFile(path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() < 2*walIndexHeaderSize {
		err = errors.New("WAL index not initialised yet")
	}
	var mem []byte
	if err == nil {
		mem, err = syscall.Mmap(int(f.Fd()), 0, os.Getpagesize(), syscall.PROT_READ, syscall.MAP_SHARED)
	}
	if err != nil {
		releaseFile(path)
		return nil, nil, err
	}
	release := func() error { return errors.Join(detachMapping(mem), releaseFile(path)) }
	return (*[walIndexHeaderWords]uint64)(unsafe.Pointer(&mem[0])), release, nil
}
