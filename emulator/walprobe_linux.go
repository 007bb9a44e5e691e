package emulator

import (
	"syscall"
	"unsafe"
)

// detachMapping replaces the -shm mapping, in place, with a private zero page:
// the file is no longer referenced (a mapping keeps its file system busy and
// its inode alive), yet a reader still reading the address finds zeros, an
// untrusted header, instead of crashing on an unmapped page.
func detachMapping(mem []byte) error {
	_, _, errno := syscall.Syscall6(syscall.SYS_MMAP, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)),
		syscall.PROT_READ, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_FIXED, ^uintptr(0), 0)
	if errno != 0 {
		return errno
	}
	return nil
}
