// Package orchestrate supervises the stack's services: child processes (PartyKit,
// Astro) each in its own process group, and in-process services (the answers API).
// It starts them in dependency order once their dependencies are ready, restarts
// them with backoff, prefixes and files their logs, records them in a run file so a
// later run can reap survivors, and stops them in logged stages.
package orchestrate

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// RestartPolicy says when a service that exited is started again.
type RestartPolicy int

const (
	RestartNo        RestartPolicy = iota // never
	RestartOnFailure                      // only after a non-zero exit or a signal
	RestartAlways                         // after any exit, until stopped
)

// ProbeKind selects how readiness is checked.
type ProbeKind int

const (
	ProbeNone ProbeKind = iota // a child is ready once started; an in-process service once it calls ready()
	ProbeHTTP                  // GET URL answers (any status < 500 unless Statuses says otherwise)
	ProbeTCP                   // Address accepts a TCP connection
	ProbeLog                   // a log line matches Pattern
)

// Probe is a readiness check.
type Probe struct {
	Kind     ProbeKind
	URL      string         // ProbeHTTP
	Address  string         // ProbeTCP, host:port
	Pattern  *regexp.Regexp // ProbeLog, matched against each line (escape codes stripped)
	Interval time.Duration  // between polls; default 100ms
	Timeout  time.Duration  // give up on readiness after this; default 60s
}

// ServiceSpec is one service of the stack. Exactly one of Command or Run is set.
type ServiceSpec struct {
	Name string

	// Child process: argv (Command[0] is looked up relative to Dir if it contains a
	// slash), or a single string run by /bin/sh -c when Shell is true.
	Command []string
	Shell   bool
	Dir     string
	Env     []string // KEY=VALUE, added to the parent's environment (later wins)

	// In-process service: Run blocks until ctx is cancelled; it calls ready() once it
	// serves, and writes its log lines to log (prefixed and filed like a child's).
	Run func(ctx context.Context, ready func(), log LineWriter) error

	Port      int // the port it must get (preflight-checked); 0 = none
	URL       string
	Probe     Probe
	DependsOn []string

	Restart     RestartPolicy
	MaxRestarts int           // within Window; one more exit and the service is Failed; 0 = default 5
	Backoff     time.Duration // first delay, doubled each time; default 500ms
	BackoffMax  time.Duration // default 15s
	Window      time.Duration // default 60s

	// StopSignal defaults to SIGTERM; StopTimeout (before SIGKILL of the group) to 3s.
	StopTimeout time.Duration

	// FailPatterns are log lines meaning the service cannot work although it may not
	// exit (partykit never exits on a taken port; Vite hops to another port). A match
	// stops the service and marks it Failed. nil = DefaultFailPatterns; empty = none.
	FailPatterns []*regexp.Regexp
}

// DefaultFailPatterns catch a dev server that lost its port: partykit's
// "Address already in use (0.0.0.0:1999)" (it then never exits) and Vite's
// "Port 4321 is in use, trying another one..." (Astro would silently hop).
var DefaultFailPatterns = []*regexp.Regexp{
	regexp.MustCompile(`Address already in use`),
	regexp.MustCompile(`Port \d+ is in use, trying another one`),
	regexp.MustCompile(`Port \d+ is already in use`),
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
