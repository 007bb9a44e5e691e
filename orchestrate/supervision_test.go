//go:build linux

package orchestrate

import (
	"github.com/sommelier-arena/arena-dev/runstate"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// Cycles of every way arena-dev ends (SIGINT, SIGTERM, SIGHUP, SIGKILL once ready,
// SIGKILL while a service still starts), over a stack with a process group, a
// setsid'd grandchild holding a port and a child that ignores SIGTERM: after the
// stop, or after `down` / the next `up` when arena-dev was SIGKILLed, no process
// of the stack is left and the port is free.
func TestSupervisionCycles(t *testing.T) {
	n := soakCount(2, 20)
	kinds := []struct {
		name     string
		sig      syscall.Signal
		starting bool // SIGKILL before every service is ready
	}{
		{"SIGINT", syscall.SIGINT, false},
		{"SIGTERM", syscall.SIGTERM, false},
		{"SIGHUP", syscall.SIGHUP, false},
		{"SIGKILL", syscall.SIGKILL, false},
		{"SIGKILL while starting", syscall.SIGKILL, true},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			orphans, bound := 0, 0
			start := time.Now()
			for i := range n {
				o, b := supervisionCycle(t, k.sig, k.starting, i%2 == 0)
				orphans += o
				bound += b
			}
			figure(t, "supervision %s: %d cycles, %d orphans, %d bound ports, %s per cycle",
				k.name, n, orphans, bound, (time.Since(start) / time.Duration(n)).Round(time.Millisecond))
		})
	}
}

// supervisionCycle runs one stack, ends it with sig and reports the processes
// and bound ports left once it is cleaned up (by `down` when viaDown, else by
// the next `up`'s reaping).
func supervisionCycle(t *testing.T, sig syscall.Signal, starting, viaDown bool) (orphans, bound int) {
	t.Helper()
	runDir, port := t.TempDir(), freePort(t)
	env := []string{"MIXED_PORT=" + strconv.Itoa(port)}
	if starting {
		env = append(env, "NEVER_READY=1")
	}
	owner, out := launchOwner(t, runDir, env...)
	// Every process of the stack, known before the signal: once pids are in the
	// run file (at spawn) and the grandchildren announced themselves.
	gc, esc := pidFromOutput(t, out, "grandchild"), pidFromOutput(t, out, "escaped")
	var rf *runstate.RunFile
	waitFor(t, "the run file to name every service's pid", 20*time.Second, func() bool {
		var err error
		rf, err = runstate.ReadRunFile(runDir)
		if err != nil || len(rf.Services) != 3 {
			return false
		}
		for _, s := range rf.Services {
			if s.PID == 0 {
				return false
			}
		}
		return starting || rf.Ready
	})
	pids := []int{gc, esc}
	for _, s := range rf.Services {
		pids = append(pids, s.PID)
	}
	waitFor(t, "the escapee to hold the port", 10*time.Second, func() bool { return len(procutil.PortHolders(port)) > 0 })
	owner.Process.Signal(sig)
	if sig == syscall.SIGKILL {
		<-owner.exited
		var err error
		if viaDown {
			_, err = StopOwner(runDir, 10*time.Second, zerolog.Nop())
		} else {
			_, err = ReapSurvivors(runDir, zerolog.Nop())
		}
		if err != nil {
			t.Errorf("cleaning up after SIGKILL: %v", err)
		}
	} else {
		// The stubborn child takes its 300 ms stop timeout, then SIGKILL.
		exitWithin(t, owner, 15*time.Second)
	}
	for _, pid := range pids {
		if alive(pid) {
			orphans++
			t.Errorf("after %s: pid %d (%s) is left", sig, pid, procutil.Cmdline(pid))
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if h := procutil.PortHolders(port); len(h) > 0 {
		bound++
		t.Errorf("after %s: port %d still held by %v", sig, port, h)
	}
	return orphans, bound
}
