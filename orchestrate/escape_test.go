//go:build linux

package orchestrate

import (
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// freePort is a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// exists says whether /proc still has pid at all: a zombie nobody reaps still has.
func exists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}

// A grandchild that calls setsid (and holds a port) is stopped with its service,
// whether its launcher stays or exits (daemonising: the grandchild is then
// adopted by the subreaper, stopped when the leader's exit is handled, and its
// zombie reaped).
func TestSetsidGrandchildIsStopped(t *testing.T) {
	for _, tc := range []struct {
		name        string
		leaderExits bool
	}{{"launcher stays", false}, {"launcher exits", true}} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			spec := helper(t, "daemon", "escape", "GC_MODE=listen-any", "PORT="+strconv.Itoa(port))
			spec.Probe = logProbe(`holding`)
			if tc.leaderExits {
				spec.Env = append(spec.Env, "LEADER_EXITS=1")
			}
			r := start(t, []ServiceSpec{spec}, Options{RunDir: t.TempDir()})
			gc := pidFromOutput(t, r.out, "escaped")
			t.Cleanup(func() { syscall.Kill(gc, syscall.SIGKILL) })
			waitFor(t, "the grandchild to hold the port", 10*time.Second, func() bool { return len(procutil.PortHolders(port)) > 0 })
			if tc.leaderExits {
				// The launcher's clean exit ends the service; its daemon goes with it.
				r.waitState(t, "daemon", runstate.StateStopped, 20*time.Second)
			} else if err := r.stop(t, 15*time.Second); err != nil {
				t.Fatalf("Run: %v", err)
			}
			waitFor(t, "the grandchild to be gone and reaped", 10*time.Second, func() bool { return !exists(gc) })
			if h := procutil.PortHolders(port); len(h) > 0 {
				t.Errorf("port %d still held by %v", port, h)
			}
		})
	}
}

// A setsid grandchild survives a SIGKILL of its supervisor and its guardian (it
// goes to pid 1); the next up or down finds it, by the run file once a scan recorded it, or by
// the mark it inherited when arena-dev died before any scan.
func TestReapFindsSetsidEscapee(t *testing.T) {
	for _, tc := range []struct {
		name         string
		waitRecorded bool
	}{{"recorded in the run file", true}, {"by its mark alone", false}} {
		t.Run(tc.name, func(t *testing.T) {
			runDir := t.TempDir()
			owner, out, _ := startOwner(t, runDir, "ESCAPE=1")
			gc := pidFromOutput(t, out, "escaped")
			t.Cleanup(func() { syscall.Kill(gc, syscall.SIGKILL) })
			// Once it printed, it writes no more: the owner's death cannot
			// SIGPIPE it, and what ends it is the reaping.
			if pidFromOutput(t, out, "sleeping") != gc {
				t.Fatal("the grandchild's line names another pid")
			}
			if tc.waitRecorded {
				waitFor(t, "the escapee in the run file", 10*time.Second, func() bool {
					rf, err := runstate.ReadRunFile(runDir)
					return err == nil && len(rf.Services[0].Escaped) == 1 && rf.Services[0].Escaped[0].PID == gc
				})
			}
			killGuardian(t, owner.Process.Pid) // what the reaping does alone
			owner.Process.Signal(syscall.SIGKILL)
			<-owner.exited
			if !alive(gc) {
				t.Fatalf("test premise: the setsid grandchild %d should survive its supervisor", gc)
			}
			got, err := ReapSurvivors(runDir, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			if alive(gc) {
				t.Fatalf("the escapee %d survived the reaping (survivors %+v)", gc, got)
			}
			if !survivorsName(got, gc) {
				t.Errorf("survivors %+v do not name the escapee %d", got, gc)
			}
		})
	}
}

func survivorsName(got []Survivor, pid int) bool {
	for _, s := range got {
		for _, p := range s.PIDs {
			if p == pid {
				return true
			}
		}
	}
	return false
}

// While the supervisor reaps adopted zombies, children that other code of the
// same process started with os/exec keep their exit status for their own Wait.
func TestReapingLeavesOtherChildrenAlone(t *testing.T) {
	spec := helper(t, "daemon", "escape", "LEADER_EXITS=1")
	spec.Probe = logProbe(`escaped`)
	spec.Restart, spec.Backoff, spec.MaxRestarts = project.RestartAlways, 10*time.Millisecond, 1000
	r := start(t, []ServiceSpec{spec}, Options{})
	pidFromOutput(t, r.out, "escaped") // the reaper runs, and daemons keep being orphaned
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := exec.Command("/bin/sh", "-c", "exit "+strconv.Itoa(i%5+1)).Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != i%5+1 {
				errs <- fmt.Errorf("child %d: %v, want exit status %d", i, err, i%5+1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
