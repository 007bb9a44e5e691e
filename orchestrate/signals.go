package orchestrate

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// StopSignals stop the stack: SIGINT (Ctrl-C), SIGTERM (`arena-dev down`, service
// managers) and SIGHUP (the terminal went away).
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// repeatWindow: a stop signal this soon after the first is the same request.
const repeatWindow = 500 * time.Millisecond

// RunUntilSignal is Run until ctx ends or a stop signal arrives; a second stop
// signal (more than repeatWindow after the first) forces (Kill). It also keeps SIGPIPE from killing arena-dev when its
// output pipe closes (`arena-dev up | head`): a dead arena-dev would orphan the
// stack. (Notify rather than Ignore: an ignored signal would be inherited by the
// children across exec.)
func (s *Supervisor) RunUntilSignal(ctx context.Context) error {
	sigc := make(chan os.Signal, 4)
	signal.Notify(sigc, StopSignals...)
	defer signal.Stop(sigc)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		var first time.Time
		for {
			select {
			case sig := <-sigc:
				switch {
				case first.IsZero():
					first = time.Now()
					s.log.Info().Str("signal", sig.String()).Msg("stopping the stack (signal again to force)")
					cancel()
				case time.Since(first) < repeatWindow:
					// coreutils timeout, make and npm deliver one Ctrl-C twice:
					// that is still one request to stop, not a demand to force.
					s.log.Info().Str("signal", sig.String()).Msg("repeated signal within 500ms: the same stop")
				default:
					s.log.Warn().Str("signal", sig.String()).Msg("second signal: forcing")
					s.Kill()
				}
			case <-pipe:
			case <-s.doneCh:
				return
			}
		}
	}()
	return s.Run(ctx)
}
