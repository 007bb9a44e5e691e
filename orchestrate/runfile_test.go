//go:build unix

package orchestrate

import (
	"context"
	"errors"
	"github.com/sommelier-arena/arena-dev/runstate"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestReapSurvivorsOfAKilledSupervisor runs a supervisor in a child process, SIGKILLs
// it (Pdeathsig takes the leader; the grandchild in its group survives), then reaps.
func TestReapSurvivorsOfAKilledSupervisor(t *testing.T) {
	runDir := t.TempDir()
	owner, out, rf := startOwner(t, runDir)
	if rf.PID != owner.Process.Pid || len(rf.Services) != 1 || rf.Services[0].PGID == 0 {
		t.Fatalf("run file: %+v (owner pid %d)", rf, owner.Process.Pid)
	}
	pgid := rf.Services[0].PGID
	gc := pidFromOutput(t, out, "grandchild")

	// While the owner lives: it is found, a second supervisor is refused, nothing is reaped.
	if live, err := runstate.LiveOwner(runDir); err != nil || live == nil || live.PID != owner.Process.Pid {
		t.Fatalf("LiveOwner = %+v, %v", live, err)
	}
	second, err := New([]ServiceSpec{helper(t, "x", "sleep")}, Options{RunDir: runDir, Output: &testenv.SyncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	var already *runstate.AlreadyRunningError
	if err := second.Run(context.Background()); !errors.As(err, &already) || already.PID != owner.Process.Pid {
		t.Fatalf("second Run = %v, want *AlreadyRunningError naming pid %d", err, owner.Process.Pid)
	}
	if _, err := ReapSurvivors(runDir, zerolog.Nop()); !errors.As(err, &already) {
		t.Fatalf("ReapSurvivors with a live owner = %v, want *AlreadyRunningError", err)
	}

	// What the reaping does alone: the guardian would stop the group first.
	killGuardian(t, owner.Process.Pid)
	if err := owner.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-owner.exited
	// The premise: the group outlives its supervisor, its leader gone and the
	// grandchild not. The leader dies of Pdeathsig on Linux; the portable build
	// has none (its guardian, killed above, would end it), so it is killed here.
	syscall.Kill(pgid, syscall.SIGKILL) // the leader alone, not the group
	waitFor(t, "the leader to die", 10*time.Second, func() bool { return !alive(pgid) })
	if !alive(gc) || len(procutil.GroupMembers(pgid, 0)) == 0 {
		t.Fatalf("test premise: grandchild %d of group %d should survive the supervisor", gc, pgid)
	}
	if live, _ := runstate.LiveOwner(runDir); live != nil {
		t.Fatalf("LiveOwner after SIGKILL = pid %d, want none", live.PID)
	}

	got, err := ReapSurvivors(runDir, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PGID != pgid || got[0].Service != "tree" || len(got[0].PIDs) != 1 || got[0].PIDs[0] != gc {
		t.Fatalf("survivors = %+v, want group %d with grandchild %d", got, pgid, gc)
	}
	if alive(gc) {
		t.Errorf("grandchild %d survived the reaping", gc)
	}
	if _, err := os.Stat(filepath.Join(runDir, runstate.RunFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run file should be cleared after reaping: %v", err)
	}
}

func TestRunFileRecordsStatesAndExit(t *testing.T) {
	runDir := t.TempDir()
	spec := helper(t, "svc", "sleep")
	spec.Probe = logProbe(`sleeping`)
	r := start(t, []ServiceSpec{spec}, Options{RunDir: runDir})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := WaitForOwner(ctx, runDir, os.Getpid()); err != nil {
		t.Fatalf("WaitForOwner: %v", err)
	}
	rf, err := runstate.ReadRunFile(runDir)
	if err != nil {
		t.Fatal(err)
	}
	st := r.sup.Status()[0]
	if s := rf.Services[0]; s.State != runstate.StateReady || s.PID != st.PID || s.PGID != st.PGID || s.StartTicks == 0 {
		t.Fatalf("run file service %+v vs status %+v", s, st)
	}
	if err := r.stop(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	rf, err = runstate.ReadRunFile(runDir)
	if err != nil {
		t.Fatal(err)
	}
	if !rf.Exited || rf.Services[0].State != runstate.StateStopped || rf.OwnerAlive() {
		t.Errorf("after stop: exited=%v state=%s", rf.Exited, rf.Services[0].State)
	}
	if _, err := runstate.LiveOwner(runDir); err != nil {
		t.Errorf("LiveOwner on an exited run file: %v", err)
	}
}

func TestCorruptRunFileIsMovedAside(t *testing.T) {
	runDir := t.TempDir()
	path := filepath.Join(runDir, runstate.RunFileName)
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReapSurvivors(runDir, zerolog.Nop()); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(path + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("want the corrupt file kept aside, got %v", aside)
	}
}

// ownerProc is a supervisor running in a child process of the test.
type ownerProc struct {
	*exec.Cmd
	exited  chan struct{} // closed once Wait returned
	waitErr error
}

// startOwner runs a supervisor (with RunUntilSignal) in a child process and waits
// until its run file says the stack is ready.
func startOwner(t *testing.T, runDir string, env ...string) (*ownerProc, *testenv.SyncBuffer, *runstate.RunFile) {
	t.Helper()
	owner, out := launchOwner(t, runDir, env...)
	var rf *runstate.RunFile
	waitFor(t, "the owner's run file to say ready", 60*time.Second, func() bool {
		var err error
		rf, err = runstate.ReadRunFile(runDir)
		return err == nil && rf.Ready
	})
	return owner, out, rf
}

// launchOwner runs a supervisor (with RunUntilSignal) in a child process.
func launchOwner(t *testing.T, runDir string, env ...string) (*ownerProc, *testenv.SyncBuffer) {
	t.Helper()
	spec := helper(t, "supervisor", "supervise", append([]string{"RUN_DIR=" + runDir}, env...)...)
	cmd := exec.Command(spec.Command[0])
	cmd.Env = append(cmd.Environ(), spec.Env...)
	out := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	owner := &ownerProc{Cmd: cmd, exited: make(chan struct{})}
	go func() { owner.waitErr = cmd.Wait(); close(owner.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-owner.exited
		if t.Failed() {
			t.Logf("owner output:\n%s", tail(out.String(), 4000))
		}
	})
	return owner, out
}

// exitWithin waits for the owner process to exit, failing after d.
func exitWithin(t *testing.T, owner *ownerProc, d time.Duration) {
	t.Helper()
	select {
	case <-owner.exited:
		if owner.waitErr != nil {
			t.Errorf("owner exited with %v", owner.waitErr)
		}
	case <-time.After(d):
		t.Fatalf("owner did not exit within %s", d)
	}
}

func TestStopSignalsStopEverything(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			runDir := t.TempDir()
			owner, out, rf := startOwner(t, runDir)
			pgid := rf.Services[0].PGID
			gc := pidFromOutput(t, out, "grandchild")
			owner.Process.Signal(sig)
			exitWithin(t, owner, 15*time.Second)
			if procutil.GroupAlive(pgid) || alive(gc) {
				t.Errorf("after %s: group %d alive=%v, grandchild alive=%v", sig, pgid, procutil.GroupAlive(pgid), alive(gc))
			}
			if rf, err := runstate.ReadRunFile(runDir); err != nil || !rf.Exited || rf.Services[0].State != runstate.StateStopped {
				t.Errorf("run file after %s: %+v, %v", sig, rf, err)
			}
		})
	}
}

func TestSecondSignalForces(t *testing.T) {
	runDir := t.TempDir()
	owner, _, rf := startOwner(t, runDir, "STUBBORN=1") // StopTimeout is an hour
	pid := rf.Services[0].PID
	first := time.Now()
	owner.Process.Signal(syscall.SIGINT)
	owner.Process.Signal(syscall.SIGINT) // as timeout and make deliver one Ctrl-C: the same stop
	waitFor(t, "the stubborn child to be stopping", 10*time.Second, func() bool {
		rf, err := runstate.ReadRunFile(runDir)
		return err == nil && rf.Services[0].State == runstate.StateStopping
	})
	if !alive(pid) {
		t.Fatalf("a repeated signal within %s forced the stop", repeatWindow)
	}
	// A signal after the window is a second request: it forces.
	time.Sleep(time.Until(first.Add(repeatWindow + 100*time.Millisecond)))
	owner.Process.Signal(syscall.SIGINT)
	exitWithin(t, owner, 15*time.Second)
	if alive(pid) {
		t.Errorf("stubborn child %d survived the forced stop", pid)
	}
}

func TestStopOwner(t *testing.T) {
	runDir := t.TempDir()
	_, out, rf := startOwner(t, runDir)
	gc := pidFromOutput(t, out, "grandchild")
	found, err := StopOwner(runDir, 15*time.Second, zerolog.Nop())
	if err != nil || !found {
		t.Fatalf("StopOwner = %v, %v", found, err)
	}
	if alive(rf.PID) || alive(gc) || procutil.GroupAlive(rf.Services[0].PGID) {
		t.Errorf("after StopOwner: owner alive=%v grandchild alive=%v", alive(rf.PID), alive(gc))
	}
	if found, err := StopOwner(runDir, time.Second, zerolog.Nop()); found || err != nil {
		t.Errorf("second StopOwner = %v, %v; want not found", found, err)
	}
}
