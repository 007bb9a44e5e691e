//go:build windows

package orchestrate

import (
	"os"
	"os/exec"
)

// Windows support is best effort and build-only: there are no process groups to
// signal, so "the group" is the child process itself (grandchildren may survive).

func newGroup(cmd *exec.Cmd) {}

func groupOf(pid int) int { return pid }

func terminateGroup(pgid int) error { return killPID(pgid) }

func killGroup(pgid int) error { return killPID(pgid) }

func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // already gone
	}
	return p.Kill()
}

func terminatePID(pid int) error { return killPID(pid) }

func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}

func groupSignalable(pgid int) bool { return pidAlive(pgid) }

func lockFile(f *os.File) error { return nil }
