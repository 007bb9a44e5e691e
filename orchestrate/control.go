package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Op is what the control plane asks of one service.
type Op int

const (
	OpStart   Op = iota // start it if it is not running (resetting its restart count)
	OpStop              // stop it and keep it stopped: it is not restarted
	OpRestart           // stop it and start it again at once
)

func (o Op) String() string { return [...]string{"start", "stop", "restart"}[o] }

// ParseOp reads "start", "stop" or "restart".
func ParseOp(s string) (Op, bool) {
	for o := OpStart; o <= OpRestart; o++ {
		if o.String() == s {
			return o, true
		}
	}
	return 0, false
}

type command struct {
	op    Op
	reply chan error
	// spec, when set, replaces the service's spec (apply.go); why says so.
	spec *ServiceSpec
	why  string
}

// UnknownServiceError names a service the stack does not have, and those it has.
type UnknownServiceError struct {
	Name  string
	Known []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("no service %q (services: %s)", e.Name, strings.Join(e.Known, ", "))
}

// ErrNotRunning: the supervisor is not running (not started yet, or finished).
var ErrNotRunning = errors.New("the stack is not running")

// Control asks one service to start, stop or restart and waits until it has
// acted: a stopped service is stopped, a started one has a new process (it may
// not be ready yet). Starting a service first starts its dependencies that are
// not running.
func (s *Supervisor) Control(ctx context.Context, name string, op Op) error {
	s.mu.Lock()
	sv, ok := s.svcs[name]
	var deps []string
	if ok {
		deps = sv.spec.DependsOn
	}
	s.mu.Unlock()
	if !ok {
		return &UnknownServiceError{Name: name, Known: s.names()}
	}
	if err := s.mustRun(); err != nil {
		return err
	}
	if op != OpStop {
		for _, d := range deps {
			if s.stateOf(d) != StateReady && s.stateOf(d) != StateStarting {
				if err := s.Control(ctx, d, OpStart); err != nil {
					return fmt.Errorf("starting dependency %s: %w", d, err)
				}
			}
		}
	}
	return sv.send(ctx, command{op: op, reply: make(chan error, 1)})
}

// send hands c to the service's run loop and waits for its reply.
func (sv *service) send(ctx context.Context, c command) error {
	select {
	case sv.ctl <- c:
	case <-sv.doneCh:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.reply:
		return err
	case <-sv.doneCh:
		return ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// mustRun: ErrNotRunning until the services' loops run.
func (s *Supervisor) mustRun() error {
	select {
	case <-s.runningCh:
		return nil
	default:
		return ErrNotRunning
	}
}

func (s *Supervisor) stateOf(name string) State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.svcs[name]; ok {
		return sv.st.State
	}
	return StateStopped // removed by Apply meanwhile
}

func (s *Supervisor) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.order))
	for i, sv := range s.order {
		out[i] = sv.spec.Name
	}
	return out
}
