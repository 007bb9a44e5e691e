//go:build !windows

package emulator

import "os"

// openForSync opens a file or a folder to fsync it: read-only is enough here.
func openForSync(path string) (*os.File, error) { return os.Open(path) }

// openBlob opens a blob file to read it (see the Windows one for why it is not
// simply os.Open everywhere).
func openBlob(path string) (*os.File, error) { return os.Open(path) }

// readBlob is a blob file's bytes.
func readBlob(path string) ([]byte, error) { return os.ReadFile(path) }

// hardLinkBlobs: a snapshot hard-links the live blobs (they never change).
const hardLinkBlobs = true
