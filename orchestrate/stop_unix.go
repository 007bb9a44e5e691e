//go:build unix

package orchestrate

import (
	"errors"
	"os"
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// newGroup makes the child the leader of a new process group, so one signal to
// -pgid reaches the tool and everything it spawned (node, esbuild, workerd).
func newGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	setDeathSignal(cmd.SysProcAttr)
}

// groupOf is the child's process group id (its own pid, as it leads a new group).
func groupOf(pid int) int {
	if pgid, err := unix.Getpgid(pid); err == nil {
		return pgid
	}
	return pid
}

// terminateGroup sends SIGTERM to every process of the group.
func terminateGroup(pgid int) error { return signalGroup(pgid, unix.SIGTERM) }

// killGroup sends SIGKILL to every process of the group.
func killGroup(pgid int) error { return signalGroup(pgid, unix.SIGKILL) }

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

// pidAlive says whether a process with this pid exists (zombies included).
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// terminatePID asks one process (arena-dev itself, for `down`) to stop.
func terminatePID(pid int) error {
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

// lockFile takes an exclusive advisory lock on f without blocking; it is released
// when the process dies, however it dies.
func lockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}
