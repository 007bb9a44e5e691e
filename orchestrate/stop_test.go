//go:build unix

package orchestrate

import (
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

func logProbe(re string) project.Probe {
	return project.Probe{Kind: project.ProbeLog, Pattern: regexp.MustCompile(re), Timeout: 20 * time.Second}
}

func TestStopKillsTheWholeGroup(t *testing.T) {
	spec := helper(t, "tree", "tree")
	spec.Probe = logProbe(`grandchild \d+`)
	r := start(t, []ServiceSpec{spec}, Options{})
	st := r.waitState(t, "tree", runstate.StateReady, 20*time.Second)
	gc := pidFromOutput(t, r.out, "grandchild")
	if !alive(st.PID) || !alive(gc) {
		t.Fatalf("before stop: leader %d alive=%v, grandchild %d alive=%v", st.PID, alive(st.PID), gc, alive(gc))
	}
	if st.PGID != st.PID {
		t.Errorf("child should lead its own group: pid %d pgid %d", st.PID, st.PGID)
	}
	if err := r.stop(t, 15*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, pid := range []int{st.PID, gc} {
		if alive(pid) {
			t.Errorf("pid %d (%s) survived the stop", pid, procutil.Cmdline(pid))
		}
	}
	if got := r.sup.Status()[0].State; got != runstate.StateStopped {
		t.Errorf("state after stop = %s, want stopped", got)
	}
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	spec := helper(t, "stubborn", "ignore-term")
	spec.StopTimeout = 300 * time.Millisecond
	spec.Probe = logProbe(`ignoring SIGTERM`)
	r := start(t, []ServiceSpec{spec}, Options{})
	st := r.waitState(t, "stubborn", runstate.StateReady, 20*time.Second)
	if err := r.stop(t, 15*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if alive(st.PID) {
		t.Fatalf("pid %d ignored SIGTERM and survived", st.PID)
	}
	log := r.diag.String()
	term := strings.Index(log, "SIGTERM to process group")
	kill := strings.Index(log, "still running, SIGKILL to process group")
	if term < 0 || kill < term {
		t.Errorf("want the SIGTERM stage logged before the SIGKILL stage, got:\n%s", log)
	}
}

func TestEscapedGrandchildHoldingStdoutDoesNotHangStop(t *testing.T) {
	spec := helper(t, "leaky", "escape")
	spec.Probe = logProbe(`escaped \d+`)
	r := start(t, []ServiceSpec{spec}, Options{})
	r.waitState(t, "leaky", runstate.StateReady, 20*time.Second)
	gc := pidFromOutput(t, r.out, "escaped")
	t.Cleanup(func() { syscall.Kill(gc, syscall.SIGKILL) })
	if !alive(gc) {
		t.Fatalf("the escaped grandchild %d should be running (and holding the pipe)", gc)
	}
	// The grandchild holds our pipe: WaitDelay lets Wait return, and the stop
	// reaches it although it left the group.
	if err := r.stop(t, 10*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if alive(gc) {
		t.Fatalf("the setsid grandchild %d survived the stop", gc)
	}
}

func TestKillForcesAtOnce(t *testing.T) {
	spec := helper(t, "stubborn", "ignore-term")
	spec.StopTimeout = time.Hour // only Kill can end the wait
	spec.Probe = logProbe(`ignoring SIGTERM`)
	r := start(t, []ServiceSpec{spec}, Options{})
	st := r.waitState(t, "stubborn", runstate.StateReady, 20*time.Second)
	r.cancel()
	waitFor(t, "stopping", 10*time.Second, func() bool { return r.sup.Status()[0].State == runstate.StateStopping })
	r.sup.Kill()
	if err := r.stop(t, 10*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if alive(st.PID) {
		t.Fatalf("pid %d survived Kill", st.PID)
	}
}
