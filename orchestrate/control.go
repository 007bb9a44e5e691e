package orchestrate

import (
	"context"
	"fmt"

	"github.com/sommelier-arena/arena-dev/runstate"
)

type command struct {
	op    runstate.Op
	reply chan error
	// spec, when set, replaces the service's spec (apply.go); why says so.
	spec *ServiceSpec
	why  string
}

// Control asks one service to start, stop or restart and waits until it has
// acted: a stopped service is stopped, a started one has a new process (it may
// not be ready yet). Starting a service first starts its dependencies that are
// not running.
func (s *Supervisor) Control(ctx context.Context, name string, op runstate.Op) error {
	s.mu.Lock()
	sv, ok := s.svcs[name]
	var deps []string
	if ok {
		deps = sv.spec.DependsOn
	}
	s.mu.Unlock()
	if !ok {
		return &runstate.UnknownServiceError{Name: name, Known: s.names()}
	}
	if err := s.mustRun(); err != nil {
		return err
	}
	if op != runstate.OpStop {
		for _, d := range deps {
			if s.stateOf(d) != runstate.StateReady && s.stateOf(d) != runstate.StateStarting {
				if err := s.Control(ctx, d, runstate.OpStart); err != nil {
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
		return runstate.ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.reply:
		return err
	case <-sv.doneCh:
		return runstate.ErrNotRunning
	case <-ctx.Done():
		return ctx.Err()
	}
}

// mustRun: runstate.ErrNotRunning until the services' loops run.
func (s *Supervisor) mustRun() error {
	select {
	case <-s.runningCh:
		return nil
	default:
		return runstate.ErrNotRunning
	}
}

func (s *Supervisor) stateOf(name string) runstate.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sv, ok := s.svcs[name]; ok {
		return sv.st.State
	}
	return runstate.StateStopped // removed by Apply meanwhile
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
