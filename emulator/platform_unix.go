//go:build !windows

package emulator

import "os"

// openForSync opens a file or a folder to fsync it: read-only is enough here.
func openForSync(path string) (*os.File, error) { return os.Open(path) }
