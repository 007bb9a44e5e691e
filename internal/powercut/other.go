//go:build !linux

package powercut

import (
	"errors"
	"testing"
)

var errLinuxOnly = errors.New("the power-cut simulator runs on Linux only (FUSE through go-fuse, mount(2))")

// FS is the power-cut file system; here it can't be mounted.
type FS struct{}

func (*FS) Cut()                     {}
func (*FS) Syncs() int               { return 0 }
func (*FS) Unmount() error           { return errLinuxOnly }
func (*FS) Image(string) error       { return errLinuxOnly }
func Mount(_, _ string) (*FS, error) { return nil, errLinuxOnly }
func Available() error               { return errLinuxOnly }

// MountOverForTest skips: there is no simulator here.
func MountOverForTest(t testing.TB, _ string) (*FS, string) {
	t.Helper()
	t.Skip(errLinuxOnly)
	return nil, ""
}

// MountForTest skips: there is no simulator here.
func MountForTest(t testing.TB) (*FS, string) { return MountOverForTest(t, "") }
