package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

// Survivor is a process group left behind by a dead arena-dev.
type Survivor struct {
	Service  string
	PGID     int
	PIDs     []int
	Commands []string
}

// ReapSurvivors stops the process groups recorded by an arena-dev that is no longer
// alive (SIGKILLed, crashed): SIGTERM to each group, wait, SIGKILL, then removes the
// run file. A corrupt run file is moved aside (never silently overwritten). When the
// owner is still alive it returns *runstate.AlreadyRunningError and touches nothing.
func ReapSurvivors(runDir string, log zerolog.Logger) ([]Survivor, error) {
	path := filepath.Join(runDir, runstate.RunFileName)
	rf, err := runstate.ReadRunFile(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
		log.Warn().Err(err).Str("moved_to", aside).Msg("run file unreadable; moving it aside")
		return nil, os.Rename(path, aside)
	}
	if rf.OwnerAlive() {
		return nil, &runstate.AlreadyRunningError{RunDir: runDir, PID: rf.PID}
	}
	owner := procutil.Ref{PID: rf.PID, StartTicks: rf.StartTicks}
	var found []Survivor
	for _, s := range rf.Services {
		group := s.PGID
		if group <= 1 || group == os.Getpid() {
			group = 0
		} else if t := procutil.StartTicks(group); s.StartTicks != 0 && t != 0 && t != s.StartTicks {
			group = 0 // the pid now belongs to another process: the old group is gone
		}
		var members []procutil.Info
		if group != 0 {
			members = procutil.GroupMembers(group, s.StartTicks)
		}
		// Escapees (setsid) went to pid 1 with their owner dead: find them by
		// the run file and by the mark they inherited.
		strays := func() []procutil.Ref { return deadOwnersStrays(owner, s) }
		escaped := strays()
		if len(members) == 0 && len(escaped) == 0 {
			continue
		}
		sv := Survivor{Service: s.Name, PGID: group}
		for _, m := range members {
			sv.PIDs = append(sv.PIDs, m.PID)
		}
		for _, r := range escaped {
			sv.PIDs = append(sv.PIDs, r.PID)
		}
		for _, pid := range sv.PIDs {
			sv.Commands = append(sv.Commands, procutil.Cmdline(pid))
		}
		log.Warn().Str("service", s.Name).Int("pgid", group).Ints("pids", sv.PIDs).
			Str("commands", strings.Join(sv.Commands, " | ")).
			Int("dead_owner_pid", rf.PID).Msg("reaping processes left by a previous arena-dev")
		t := nothing("escaped descendants")
		if len(members) > 0 {
			t = groupTarget(group)
		}
		stopLadder(withStrays(t, strays), project.DefaultStopTimeout, nil, log.With().Str("service", s.Name).Logger(), nil)
		found = append(found, sv)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return found, err
	}
	return found, nil
}

// deadOwnersStrays are the live processes of service s of a dead arena-dev that
// are outside its group: those the run file recorded, those carrying its mark,
// and their descendants.
func deadOwnersStrays(owner procutil.Ref, s runstate.ServiceStatus) []procutil.Ref {
	table := procutil.Snapshot()
	var mine []procutil.Ref
	for r, name := range marked(table, owner, nil) {
		if name == s.Name {
			mine = append(mine, r)
		}
	}
	return strays(table, procutil.Ref{PID: s.PID, StartTicks: s.StartTicks}, s.PGID, s.Escaped, mine)
}

// StopOwner is `arena-dev down`: it sends SIGTERM to the live arena-dev of runDir,
// waits up to timeout for it to stop its stack and exit, SIGKILLs it if it did not,
// and then reaps whatever its groups left. found is false when none was running
// (survivors of a dead one are still reaped).
func StopOwner(runDir string, timeout time.Duration, log zerolog.Logger) (found bool, err error) {
	rf, err := runstate.LiveOwner(runDir)
	if err != nil {
		return false, err
	}
	if rf != nil {
		found = true
		self := stopTarget{
			what:      fmt.Sprintf("arena-dev pid %d", rf.PID),
			terminate: func() error { return procutil.TerminatePID(rf.PID) },
			kill:      func() error { return procutil.KillPID(rf.PID) },
			gone:      func() bool { return !procutil.SameProcess(rf.PID, rf.StartTicks) },
		}
		if !stopLadder(self, timeout, nil, log, nil) {
			return true, fmt.Errorf("arena-dev pid %d did not stop", rf.PID)
		}
	}
	_, err = ReapSurvivors(runDir, log)
	return found, err
}

// WaitForOwner is `up --wait`'s parent side: it polls the run file written by the
// arena-dev with the given pid until every service is ready (nil), a service failed
// before that or the owner exited (an error with the reason), or ctx ends.
func WaitForOwner(ctx context.Context, runDir string, pid int) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last *runstate.RunFile
	for {
		rf, err := runstate.ReadRunFile(runDir)
		if err == nil && rf.PID == pid {
			last = rf
			if rf.Ready {
				return nil
			}
			for _, s := range rf.Services {
				if s.State == runstate.StateFailed {
					return fmt.Errorf("service %s failed: %s", s.Name, s.LastError)
				}
			}
			if rf.Exited {
				return fmt.Errorf("arena-dev exited before the stack was ready: %s", rf.Error)
			}
		}
		var ticks uint64
		if last != nil {
			ticks = last.StartTicks
		}
		if !procutil.SameProcess(pid, ticks) { // a zombie counts as exited
			return fmt.Errorf("arena-dev (pid %d) exited before the stack was ready", pid)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stack not ready: %w (%s)", ctx.Err(), describe(last))
		case <-tick.C:
		}
	}
}

// describe summarises services' states for an error message.
func describe(rf *runstate.RunFile) string {
	if rf == nil {
		return "no run file yet"
	}
	var parts []string
	for _, s := range rf.Services {
		p := s.Name + " " + s.State.String()
		if s.LastError != "" {
			p += ": " + s.LastError
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}
