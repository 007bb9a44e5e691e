//go:build linux && !arena_portable

package procutil

import (
	"runtime"
	"syscall"
)

// setDeathSignal asks the kernel to SIGKILL the child if arena-dev dies. It reaches
// only the group leader (workerd would survive a node killed alone); the run file's
// ReapSurvivors covers the rest on the next start.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }

// Pdeathsig fires when the *thread* that forked the child exits, not the process
// (golang/go#27505), and the Go runtime may retire threads. So every child is
// started from one goroutine locked to its thread for the life of the process.
var spawnRequests = make(chan func())

func init() {
	go func() {
		runtime.LockOSThread() // never unlocked: this thread lives as long as arena-dev
		for f := range spawnRequests {
			f()
		}
	}()
}
