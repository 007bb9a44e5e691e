//go:build linux

package powercut

import (
	"os"
	"testing"
)

// MountForTest mounts a power-cut file system over a new backing folder and
// returns it and its mount point; it is unmounted when the test ends. Where
// FUSE can't be mounted the test is skipped, saying why, except under CI=true,
// where the simulator must run and the test fails.
func MountForTest(t testing.TB) (*FS, string) {
	t.Helper()
	return MountOverForTest(t, t.TempDir())
}

// MountOverForTest is MountForTest over an existing backing folder, whose
// contents are durable.
func MountOverForTest(t testing.TB, backing string) (*FS, string) {
	t.Helper()
	unavailable := func(why error) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("the power-cut simulator can't run here (%v); under CI=true it must", why)
		}
		t.Skipf("the power-cut simulator can't run here: %v", why)
	}
	if err := Available(); err != nil {
		unavailable(err)
	}
	mnt := t.TempDir()
	f, err := Mount(mnt, backing)
	if err != nil {
		unavailable(err)
	}
	unmounted := false
	t.Cleanup(func() {
		if !unmounted {
			f.Unmount()
		}
	})
	f.onUnmount = func() { unmounted = true }
	return f, mnt
}
