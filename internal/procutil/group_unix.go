//go:build unix

package procutil

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// NewGroup makes the child the leader of a new process group, so one signal to
// -pgid reaches the tool and everything it spawned (node, esbuild, workerd).
func NewGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setDeathSignal(cmd.SysProcAttr)
}

// GroupOf is the child's process group id (its own pid, as it leads a new group).
func GroupOf(pid int) int {
	if pgid, err := unix.Getpgid(pid); err == nil {
		return pgid
	}
	return pid
}

// TerminateGroup sends SIGTERM to every process of the group.
func TerminateGroup(pgid int) error { return signalGroup(pgid, unix.SIGTERM) }

// KillGroup sends SIGKILL to every process of the group.
func KillGroup(pgid int) error { return signalGroup(pgid, unix.SIGKILL) }

func signalGroup(pgid int, sig unix.Signal) error {
	if pgid <= 1 {
		return errors.New("refusing to signal process group <= 1")
	}
	err := unix.Kill(-pgid, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil // already gone
	}
	return err
}

// PIDAlive says whether a process with this pid exists (zombies included).
func PIDAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// TerminatePID asks one process (arena-dev itself, for `down`) to stop.
func TerminatePID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(unix.SIGTERM)
}

// groupSignalable reports whether any process (zombies included) is in the group.
func groupSignalable(pgid int) bool {
	err := unix.Kill(-pgid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// LockFile takes an exclusive advisory lock on f without blocking; it is released
// when the process dies, however it dies.
func LockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// KillPID sends SIGKILL to one process; a process already gone is not an error.
func KillPID(pid int) error {
	err := unix.Kill(pid, unix.SIGKILL)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// TerminateRef sends SIGTERM to one process if it is still the one r names.
func TerminateRef(r Ref) error { return signalRef(r, unix.SIGTERM) }

// KillRef sends SIGKILL to one process if it is still the one r names.
func KillRef(r Ref) error { return signalRef(r, unix.SIGKILL) }

func signalRef(r Ref, sig unix.Signal) error {
	if r.PID <= 1 || r.PID == os.Getpid() || !r.Alive() {
		return nil
	}
	err := unix.Kill(r.PID, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// Detach starts a child that outlives this process and its terminal (`up
// --background`): a session of its own, out of reach of the terminal's Ctrl-C.
func Detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
}
