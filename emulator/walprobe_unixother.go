//go:build unix && !linux

package emulator

// detachMapping leaves the -shm mapping in place on these systems: a reader
// may still be reading it (see walProbe). It costs one page per closed
// namespace.
func detachMapping([]byte) error { return nil }
