//go:build !unix

package emulator

import "errors"

// walIndexMapped: reads here cannot check the WAL-index header themselves.
const walIndexMapped = false

// mapWALIndex is not available here: every read asks SQLite (PRAGMA data_version).
func mapWALIndex(string) (*[walIndexHeaderWords]uint64, func() error, error) {
	return nil, nil, errors.New("no shared mapping of the WAL index on this platform")
}
