//go:build !windows

package emulator

import "os"

// uriPath is path as the path of SQLite's file: URI.
func uriPath(path string) string { return path }

// openForSync opens a file or a folder to fsync it: read-only is enough here.
func openForSync(path string) (*os.File, error) { return os.Open(path) }
