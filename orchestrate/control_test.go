//go:build unix

package orchestrate

import (
	"context"
	"errors"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"strings"
	"testing"
	"time"
)

// TestControlOneService drives one service by hand while another runs: a stop
// keeps it stopped (no restart), a start brings it back with its restart count
// reset, a restart gives it a new process, and the other service is untouched.
func TestControlOneService(t *testing.T) {
	a, b := helper(t, "a", "sleep"), helper(t, "b", "sleep")
	a.Restart, b.Restart = project.RestartAlways, project.RestartAlways
	a.Probe, b.Probe = logProbe(`sleeping`), logProbe(`sleeping`)
	r := start(t, []ServiceSpec{a, b}, Options{})
	first := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	other := r.waitState(t, "b", runstate.StateReady, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if err := r.sup.Control(ctx, "a", runstate.OpRestart); err != nil {
		t.Fatal(err)
	}
	again := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	if again.PID == first.PID || alive(first.PID) || again.Restarts != 1 {
		t.Fatalf("after restart: pid %d (was %d, alive %v), restarts %d", again.PID, first.PID, alive(first.PID), again.Restarts)
	}

	if err := r.sup.Control(ctx, "a", runstate.OpStop); err != nil {
		t.Fatal(err)
	}
	st := r.waitState(t, "a", runstate.StateStopped, 5*time.Second)
	if alive(again.PID) || st.LastError != stoppedByHand {
		t.Fatalf("after stop: pid %d alive %v, last error %q", again.PID, alive(again.PID), st.LastError)
	}
	// Stopped by hand stays stopped: project.RestartAlways does not bring it back.
	if got := r.waitState(t, "a", runstate.StateStopped, time.Second); got.PID != again.PID {
		t.Fatalf("a stopped service was started again: %+v", got)
	}
	if err := r.sup.Control(ctx, "a", runstate.OpStop); err != nil {
		t.Fatalf("stopping a stopped service: %v", err)
	}

	if err := r.sup.Control(ctx, "a", runstate.OpStart); err != nil {
		t.Fatal(err)
	}
	back := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	if back.Restarts != 0 || back.PID == again.PID {
		t.Fatalf("after start: %+v, want a new pid and the restart count reset", back)
	}
	if err := r.sup.Control(ctx, "a", runstate.OpStart); err != nil {
		t.Fatalf("starting a running service: %v", err)
	}
	if now := r.waitState(t, "b", runstate.StateReady, time.Second); now.PID != other.PID || now.Restarts != 0 {
		t.Fatalf("b was touched: %+v, was %+v", now, other)
	}

	var unknown *runstate.UnknownServiceError
	if err := r.sup.Control(ctx, "zz", runstate.OpStart); !errors.As(err, &unknown) || strings.Join(unknown.Known, ",") != "a,b" {
		t.Fatalf("unknown service: %v", err)
	}
}

// TestDisabledServiceStartsByHand: a disabled service is not started with the
// stack, the stack is ready without it, and Control starts it with what it
// depends on.
func TestDisabledServiceStartsByHand(t *testing.T) {
	base, extra := helper(t, "base", "sleep"), helper(t, "extra", "sleep")
	base.Probe, extra.Probe = logProbe(`sleeping`), logProbe(`sleeping`)
	base.Disabled, extra.Disabled = true, true
	extra.DependsOn = []string{"base"}
	main := helper(t, "main", "sleep")
	main.Probe = logProbe(`sleeping`)
	r := start(t, []ServiceSpec{main, base, extra}, Options{})
	select {
	case <-r.sup.Ready():
	case <-time.After(20 * time.Second):
		t.Fatalf("the stack is not ready while only disabled services are down: %+v", r.sup.Status())
	}
	for _, n := range []string{"base", "extra"} {
		if st := r.waitState(t, n, runstate.StateStopped, time.Second); st.PID != 0 || !st.Disabled {
			t.Fatalf("%s: %+v, want never started", n, st)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.sup.Control(ctx, "extra", runstate.OpStart); err != nil {
		t.Fatal(err)
	}
	r.waitState(t, "base", runstate.StateReady, 20*time.Second)
	r.waitState(t, "extra", runstate.StateReady, 20*time.Second)
}

func TestControlBeforeRun(t *testing.T) {
	sup, err := New([]ServiceSpec{helper(t, "a", "sleep")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sup.Control(context.Background(), "a", runstate.OpStop); !errors.Is(err, runstate.ErrNotRunning) {
		t.Fatalf("Control before Run: %v", err)
	}
}
