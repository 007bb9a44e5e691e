package orchestrate

import (
	"context"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
)

type command struct {
	op    runstate.Op
	reply chan error
}

// Control asks one service to start, stop or restart and waits until it has
// acted: a stopped service is stopped, a started one has a new process (it may
// not be ready yet). Starting a service first starts its dependencies that are
// not running.
func (s *Supervisor) Control(ctx context.Context, name string, op runstate.Op) error {
	sv, ok := s.svcs[name]
	if !ok {
		return &runstate.UnknownServiceError{Name: name, Known: s.names()}
	}
	select {
	case <-s.runningCh:
	default:
		return runstate.ErrNotRunning
	}
	if op != runstate.OpStop {
		for _, d := range sv.spec.DependsOn {
			if s.stateOf(d) != runstate.StateReady && s.stateOf(d) != runstate.StateStarting {
				if err := s.Control(ctx, d, runstate.OpStart); err != nil {
					return fmt.Errorf("starting dependency %s: %w", d, err)
				}
			}
		}
	}
	c := command{op: op, reply: make(chan error, 1)}
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

func (s *Supervisor) stateOf(name string) runstate.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.svcs[name].st.State
}

func (s *Supervisor) names() []string {
	out := make([]string, len(s.order))
	for i, sv := range s.order {
		out[i] = sv.spec.Name
	}
	return out
}
