// Package orchestrate supervises the stack's services: child processes (PartyKit,
// Astro) each in its own process group, and in-process services (the answers API).
// It starts them in dependency order once their dependencies are ready, restarts
// them with backoff, prefixes and files their logs, records them in a run file so a
// later run can reap survivors, and stops them in logged stages.
package orchestrate

import (
	"context"
	"fmt"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/project"
)

// The model's types, under the names the supervisor has always used.
type (
	RestartPolicy = project.RestartPolicy
	ProbeKind     = project.ProbeKind
	Probe         = project.Probe
)

const (
	RestartNo        = project.RestartNo
	RestartOnFailure = project.RestartOnFailure
	RestartAlways    = project.RestartAlways

	ProbeNone = project.ProbeNone
	ProbeHTTP = project.ProbeHTTP
	ProbeTCP  = project.ProbeTCP
	ProbeLog  = project.ProbeLog
)

// ServiceSpec is one service of the stack as the model resolved it, plus, for the
// in-process answers API, the function that runs it. A child process has
// Command; an in-process service has Run.
type ServiceSpec struct {
	project.Service

	// Run blocks until ctx is cancelled; it calls ready() once it serves, and
	// writes its log lines to log (prefixed and filed like a child's).
	Run func(ctx context.Context, ready func(), log LineWriter) error
}

// LineWriter takes an in-process service's whole log lines.
type LineWriter = svclog.LineWriter

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
