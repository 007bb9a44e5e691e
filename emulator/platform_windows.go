package emulator

import (
	"os"
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
