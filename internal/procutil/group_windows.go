//go:build windows

package procutil

import (
	"os"
	"os/exec"
)

// Windows support is best effort and build-only: there are no process groups to
// signal, so "the group" is the child process itself (grandchildren may survive).

func NewGroup(cmd *exec.Cmd) {}

func GroupOf(pid int) int { return pid }

func TerminateGroup(pgid int) error { return KillPID(pgid) }

func KillGroup(pgid int) error { return KillPID(pgid) }

// KillPID ends one process.
func KillPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // already gone
	}
	return p.Kill()
}

func TerminatePID(pid int) error { return KillPID(pid) }

func PIDAlive(pid int) bool {
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

func groupSignalable(pgid int) bool { return PIDAlive(pgid) }

func LockFile(f *os.File) error { return nil }

func TerminateRef(r Ref) error { return KillPID(r.PID) }

func KillRef(r Ref) error { return KillPID(r.PID) }
