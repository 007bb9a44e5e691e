package runstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// RunFileName is the run file inside a stack's run directory.
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
	Project    json.RawMessage  `json:"project,omitempty"` // the resolved model it runs
}

// ControlEndpoint is where a running stack's control API listens: a Unix socket
// (mode 0600), or where sockets cannot be used a loopback URL and a token.
type ControlEndpoint struct {
	Socket string `json:"socket,omitempty"`
	URL    string `json:"url,omitempty"`
	Token  string `json:"token,omitempty"`
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

// WriteRunFile replaces the run file atomically (temp file, fsync, rename).
func WriteRunFile(runDir string, rf *RunFile) error {
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
