//go:build unix

package e2e

import (
	"syscall"
	"testing"
	"time"
)

// stopLimit bounds how long arena-dev may take to stop the stack after a signal
// (its per-service stop timeout before SIGKILL is a few seconds).
const stopLimit = 30 * time.Second

// TestForegroundUpStopsOnSignal: a foreground `arena-dev up` stops the whole stack
// on SIGINT, SIGTERM and SIGHUP, and afterwards no process of it remains and
// every port is free.
func TestForegroundUpStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			s := newStack(t)
			fg := s.startForeground()
			rep := s.waitReady(fg)
			pids, pgids := s.stackIDs(rep)
			before := stackProcs(s.dir)
			if len(before) == 0 {
				t.Fatalf("no process found working in %s while the stack runs: the leftover checks could not see anything", s.dir)
			}
			t.Logf("stack up: %d processes, groups %v", len(before), keys(pgids))

			start := time.Now()
			if err := fg.cmd.Process.Signal(sig); err != nil {
				t.Fatalf("signalling arena-dev: %v", err)
			}
			fg.waitExit(t, stopLimit)
			t.Logf("arena-dev exited %v, %s after %s", fg.err, time.Since(start).Round(time.Millisecond), sig)
			s.assertGone("after "+sig.String(), append(pids, fg.cmd.Process.Pid), pgids, s.portList())
		})
	}
}

// TestUpReapsSurvivorsAfterSIGKILL: arena-dev killed outright cannot stop its
// children; the next `up` must find and stop the survivors (or it could not get
// the same ports), and after `down` nothing remains.
func TestUpReapsSurvivorsAfterSIGKILL(t *testing.T) {
	s := newStack(t)
	fg := s.startForeground()
	rep := s.waitReady(fg)
	pids, pgids := s.stackIDs(rep)
	if len(stackProcs(s.dir)) == 0 {
		t.Fatalf("no process found working in %s while the stack runs", s.dir)
	}

	if err := fg.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing arena-dev: %v", err)
	}
	fg.waitExit(t, stopLimit)
	// What survives depends on timing (Pdeathsig takes direct children, not
	// grandchildren such as workerd): report it, the next up must cope either way.
	survivors := leftovers(s.dir, pids, pgids, nil)
	t.Logf("%d processes survived the SIGKILL of arena-dev", len(survivors))
	for _, l := range survivors {
		t.Log("  " + l)
	}

	if len(s.ephemeralDirs()) == 0 {
		t.Error("a SIGKILLed arena-dev cannot have removed its --ephemeral state; the check below would prove nothing")
	}
	s.upWait() // same ports: fails on a survivor still holding one
	assertStackGone(t, "old stack after the next up", "/nonexistent-dir", pids, pgids, nil)
	rep2, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.allReady(rep2); err != nil {
		t.Fatalf("second stack: %v", err)
	}
	s.checkServing()
	pids2, pgids2 := s.stackIDs(rep2)
	for g := range pgids {
		pgids2[g] = true
	}

	s.down()
	assertStackGone(t, "after SIGKILL, up and down", s.dir, append(pids, pids2...), pgids2, s.portList())
	// The killed arena-dev could not remove its own throwaway state: the next up
	// removes it, and its own at exit.
	if left := s.ephemeralDirs(); len(left) > 0 {
		t.Errorf("--ephemeral state left after SIGKILL, up and down: %q", left)
	}
}
