// Package runstate is the vocabulary of a running stack, shared by the
// supervisor that writes it and every reader (the control API, the compose
// panel, the CLI): service states, a service's status and its events, the
// operations the control plane asks for, and the run file a running arena-dev
// keeps. It is a leaf: readers need not import the supervisor.
package runstate

import (
	"fmt"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// State is where a service is in its life.
type State int

const (
	StatePending    State = iota // waiting for dependencies
	StateStarting                // started, not yet ready
	StateReady                   // probe passed
	StateRestarting              // exited, waiting out the backoff
	StateStopping
	StateStopped // stopped on request, or exited 0 under restart no/on-failure
	StateFailed  // gave up: max restarts, readiness timeout, a fail pattern, a failed dependency, or a non-zero exit under restart no
)

func (s State) String() string {
	switch s {
	case StatePending:
		return "pending"
	case StateStarting:
		return "starting"
	case StateReady:
		return "ready"
	case StateRestarting:
		return "restarting"
	case StateStopping:
		return "stopping"
	case StateStopped:
		return "stopped"
	case StateFailed:
		return "failed"
	}
	return "unknown"
}

// Running says the service has (or is about to have) a process: starting,
// ready or waiting out a restart's backoff.
func (s State) Running() bool {
	return s == StateStarting || s == StateReady || s == StateRestarting
}

// MarshalText writes the state's name (the run file and `status --json` use it).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for st := StatePending; st <= StateFailed; st++ {
		if st.String() == string(b) {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("unknown service state %q", b)
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

// Event is one state change of one service.
type Event struct {
	Time time.Time
	ServiceStatus
}

// NotReady names the services that should run and are not ready (`status` exits
// 1 for them). A disabled service counts only once started by hand.
func NotReady(services []ServiceStatus) []string {
	var out []string
	for _, s := range services {
		if s.Disabled && !s.State.Running() {
			continue
		}
		if s.State != StateReady {
			out = append(out, s.Name)
		}
	}
	return out
}
