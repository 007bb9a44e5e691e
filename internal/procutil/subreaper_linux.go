//go:build linux && !arena_portable

package procutil

import (
	"os"
	"os/exec"
	"sync"

	"golang.org/x/sys/unix"
)

// BecomeSubreaper makes this process a child subreaper: a process that loses its
// parent anywhere below us (a setsid'd daemon whose launcher exited) is
// re-parented to us instead of to pid 1, so it stays in reach and its exit comes
// back to us. It cannot be undone and is inherited by nothing.
func BecomeSubreaper() error { return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }

// started are the children this process started through Start: their exit status
// belongs to os/exec's Wait, never to ReapZombie. mu is held across the fork so a
// child cannot exit and be mistaken for an adoptee before it is recorded.
var started = struct {
	sync.Mutex
	m map[int]uint64
}{m: map[int]uint64{}}

// Start starts cmd on the spawner thread (see setDeathSignal) and records it as
// our own child.
func Start(cmd *exec.Cmd) error {
	started.Lock()
	defer started.Unlock()
	errc := make(chan error, 1)
	spawnRequests <- func() { errc <- cmd.Start() }
	if err := <-errc; err != nil {
		return err
	}
	started.m[cmd.Process.Pid] = StartTicks(cmd.Process.Pid)
	return nil
}

// Forget drops a child started by Start once its Wait returned.
func Forget(pid int) {
	started.Lock()
	delete(started.m, pid)
	started.Unlock()
}

// ReapZombie collects the exit status of p, a zombie child of ours, when it is not
// one that Start started (os/exec's Wait owns those). The caller decides that p is
// an adoptee; this re-checks under the lock that it is still that zombie and
// still our child, and waits for that pid only (never -1, which could take the
// status of a child some other code is about to Wait for).
func ReapZombie(p Info) bool {
	started.Lock()
	defer started.Unlock()
	if _, ours := started.m[p.PID]; ours {
		return false
	}
	now, err := ReadProc(p.PID)
	if err != nil || now.State != 'Z' || now.PPID != os.Getpid() || now.StartTicks != p.StartTicks {
		return false
	}
	var ws unix.WaitStatus
	got, err := unix.Wait4(p.PID, &ws, unix.WNOHANG, nil)
	return err == nil && got == p.PID
}
