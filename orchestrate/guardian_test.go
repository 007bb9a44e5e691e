//go:build unix

package orchestrate

import (
	"github.com/sommelier-arena/arena-dev/runstate"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// guardianLimit is the promise: after a SIGKILL of arena-dev, nothing it ran is
// left this long after (the guardian's SIGTERM, its grace, SIGKILL).
const guardianLimit = 5 * time.Second

// After a SIGKILL of its supervisor, the guardian alone (no `down`, no next
// `up`) stops the whole group, the grandchild included (a death signal reaches
// the child only), and a setsid'd escapee recorded in the run file, then exits.
func TestGuardianStopsEverythingAfterSIGKILL(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		word string // the output line naming the process a death signal misses
	}{
		{"grandchild in the group", nil, "grandchild"},
		{"setsid escapee", []string{"ESCAPE=1"}, "escaped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runDir := t.TempDir()
			owner, out, rf := startOwner(t, runDir, tc.env...)
			gc := pidFromOutput(t, out, tc.word)
			t.Cleanup(func() { syscall.Kill(gc, syscall.SIGKILL) })
			if tc.env != nil {
				waitFor(t, "the escapee in the run file", 10*time.Second, func() bool {
					rf, err := runstate.ReadRunFile(runDir)
					return err == nil && len(rf.Services[0].Escaped) == 1 && rf.Services[0].Escaped[0].PID == gc
				})
			}
			guard := guardianOf(t, rf.PID)
			pgid, leader := rf.Services[0].PGID, rf.Services[0].PID
			owner.Process.Signal(syscall.SIGKILL)
			<-owner.exited
			killed := time.Now()
			waitFor(t, "the stack and the guardian to be gone", guardianLimit, func() bool {
				return !alive(gc) && !alive(leader) && !procutil.GroupAlive(pgid) && !alive(guard)
			})
			t.Logf("everything gone %s after the SIGKILL", time.Since(killed).Round(time.Millisecond))
		})
	}
}

// guardianOf finds the guardian the supervisor ownerPID started: its child in a
// group of its own, running the same executable.
func guardianOf(t *testing.T, ownerPID int) int {
	t.Helper()
	var pid int
	waitFor(t, "the guardian", 10*time.Second, func() bool {
		for _, p := range procutil.Snapshot() {
			if p.PPID == ownerPID && p.PGID == p.PID && p.State != 'Z' {
				if v, ok := procutil.EnvValue(p.PID, guardianEnv); ok && v != "" {
					pid = p.PID
					return true
				}
			}
		}
		return false
	})
	return pid
}

// killGuardian SIGKILLs the guardian of the supervisor ownerPID, so a test can
// show what `up` and `down` do alone (the guardian would stop things first).
func killGuardian(t *testing.T, ownerPID int) {
	t.Helper()
	g := guardianOf(t, ownerPID)
	syscall.Kill(g, syscall.SIGKILL)
	waitFor(t, "the guardian to die", 5*time.Second, func() bool { return !alive(g) })
}

// The guardian of a supervisor that stopped cleanly finds nothing and exits
// with it: a clean exit leaves no guardian behind either.
func TestGuardianExitsWithACleanStop(t *testing.T) {
	runDir := t.TempDir()
	owner, _, rf := startOwner(t, runDir)
	guard := guardianOf(t, rf.PID)
	owner.Process.Signal(syscall.SIGTERM)
	exitWithin(t, owner, 15*time.Second)
	if alive(guard) {
		t.Errorf("guardian %d (%s) outlived a clean stop", guard, procutil.Cmdline(guard))
	}
}

// stopGuarded leaves a group alone when its id now names processes started
// before the group it recorded (a reused id), and stops it otherwise.
func TestStopGuardedSparesAReusedGroupID(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })
	pid := cmd.Process.Pid
	var ticks uint64
	waitFor(t, "the sleep's start time", 5*time.Second, func() bool { ticks = procutil.StartTicks(pid); return ticks != 0 })
	later := guardState{Groups: []guardGroup{{PGID: pid, StartTicks: ticks + 1_000_000}}}
	if left := stopGuarded(later, time.Second, zerolog.Nop()); left != 0 || !alive(pid) {
		t.Fatalf("a group recorded as started later was signalled (left %d, alive %v)", left, alive(pid))
	}
	same := guardState{Groups: []guardGroup{{PGID: pid, StartTicks: ticks}}}
	if left := stopGuarded(same, time.Second, zerolog.Nop()); left != 0 {
		t.Fatalf("stopGuarded left %d", left)
	}
	select {
	case <-exited:
	case <-time.After(guardianLimit):
		t.Fatal("the recorded group was not stopped")
	}
	if !strings.Contains(procutil.Supervision, "guardian") {
		t.Errorf("Supervision = %q does not name the guardian", procutil.Supervision)
	}
}
