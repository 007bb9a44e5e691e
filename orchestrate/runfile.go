package orchestrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// RunFileName is the run file inside Options.RunDir.
const RunFileName = "run.json"

// RunFile is what a running arena-dev records about itself and its children,
// rewritten atomically on every state change so `status`, `down`, `up --wait` and
// the next `up` (after a SIGKILL) can read it from another process.
type RunFile struct {
	PID        int              `json:"pid"`
	StartTicks uint64           `json:"start_ticks,omitempty"` // guards against pid reuse (Linux)
	Command    string           `json:"command"`
	Started    time.Time        `json:"started"`
	Updated    time.Time        `json:"updated"`
	Ready      bool             `json:"ready"`           // every service was ready at once
	Exited     bool             `json:"exited"`          // the supervisor finished (cleanly or not)
	Error      string           `json:"error,omitempty"` // why it finished, or the first failure before ready
	Services   []ServiceStatus  `json:"services"`
	Control    *ControlEndpoint `json:"control,omitempty"`
	Token      string           `json:"token,omitempty"`   // the answers port's /_arena token (docs/security.md); the file is 0600
	Project    json.RawMessage  `json:"project,omitempty"` // the resolved model it runs
}

// ServiceStatus is one service's current state.
type ServiceStatus struct {
	Name       string    `json:"name"`
	State      State     `json:"state"`
	PID        int       `json:"pid,omitempty"`
	PGID       int       `json:"pgid,omitempty"`
	StartTicks uint64    `json:"start_ticks,omitempty"`
	Port       int       `json:"port,omitempty"`
	URL        string    `json:"url,omitempty"`
	Restarts   int       `json:"restarts"`
	LastError  string    `json:"last_error,omitempty"`
	Since      time.Time `json:"since"`            // in this state since
	Started    time.Time `json:"started,omitzero"` // the current process's start: its uptime
	Disabled   bool      `json:"disabled,omitempty"`
	// Escaped are the service's descendants outside its process group (setsid),
	// by pid and start time: a group signal misses them, so the stop ladder and
	// the reaper of a dead arena-dev signal each one.
	Escaped []procutil.Ref `json:"escaped,omitempty"`
}

// AlreadyRunningError says another live arena-dev owns the run directory.
type AlreadyRunningError struct {
	RunDir string
	PID    int
}

func (e *AlreadyRunningError) Error() string {
	return fmt.Sprintf("arena-dev is already running here (pid %d, run file %s); stop it with `arena-dev down`",
		e.PID, filepath.Join(e.RunDir, RunFileName))
}

// ReadRunFile reads <runDir>/run.json; the error wraps os.ErrNotExist when there is none.
func ReadRunFile(runDir string) (*RunFile, error) {
	path := filepath.Join(runDir, RunFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rf RunFile
	if err := json.Unmarshal(b, &rf); err != nil {
		return nil, fmt.Errorf("run file %s is corrupt: %w", path, err)
	}
	return &rf, nil
}

// writeRunFile replaces the run file atomically (temp file, fsync, rename).
func writeRunFile(runDir string, rf *RunFile) error {
	b, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(runDir, RunFileName+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(runDir, RunFileName))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// OwnerAlive says whether the arena-dev that wrote the file still runs (same pid
// and start time, not finished).
func (rf *RunFile) OwnerAlive() bool {
	return !rf.Exited && procutil.SameProcess(rf.PID, rf.StartTicks)
}

// LiveOwner returns the run file of the arena-dev running in runDir, or nil when none is.
func LiveOwner(runDir string) (*RunFile, error) {
	rf, err := ReadRunFile(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rf.OwnerAlive() {
		return rf, nil
	}
	return nil, nil
}

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
// owner is still alive it returns *AlreadyRunningError and touches nothing.
func ReapSurvivors(runDir string, log zerolog.Logger) ([]Survivor, error) {
	path := filepath.Join(runDir, RunFileName)
	rf, err := ReadRunFile(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
		log.Warn().Err(err).Str("moved_to", aside).Msg("run file unreadable; moving it aside")
		return nil, os.Rename(path, aside)
	}
	if rf.OwnerAlive() {
		return nil, &AlreadyRunningError{RunDir: runDir, PID: rf.PID}
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
		stopLadder(withStrays(t, strays), DefaultStopTimeout, nil, log.With().Str("service", s.Name).Logger(), nil)
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
func deadOwnersStrays(owner procutil.Ref, s ServiceStatus) []procutil.Ref {
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
	rf, err := LiveOwner(runDir)
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
	var last *RunFile
	for {
		rf, err := ReadRunFile(runDir)
		if err == nil && rf.PID == pid {
			last = rf
			if rf.Ready {
				return nil
			}
			for _, s := range rf.Services {
				if s.State == StateFailed {
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
func describe(rf *RunFile) string {
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
