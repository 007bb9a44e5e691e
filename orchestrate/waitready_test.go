package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// WaitReady blocks until every service is ready (nil), one failed before that or
// Run ended early (an error with the reason), or ctx ends.
func (s *Supervisor) WaitReady(ctx context.Context) error {
	// Readiness or failure wins over Done when both happened: Done follows them.
	if settled, err := s.settled(); settled {
		return err
	}
	select {
	case <-s.readyCh:
	case <-s.failCh:
	case <-s.doneCh:
		if settled, err := s.settled(); settled {
			return err
		}
		return errors.New("the stack stopped before every service was ready")
	case <-ctx.Done():
		return fmt.Errorf("not ready: %w (%s)", ctx.Err(), describe(&runstate.RunFile{Services: s.Status()}))
	}
	_, err := s.settled()
	return err
}

// settled reports, without blocking, whether the stack became ready (nil) or
// failed before that (the reason).
func (s *Supervisor) settled() (ok bool, err error) {
	select {
	case <-s.readyCh:
		return true, nil
	case <-s.failCh:
		s.mu.Lock()
		defer s.mu.Unlock()
		return true, s.failErr
	default:
		return false, nil
	}
}
