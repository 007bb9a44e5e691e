package orchestrate

import (
	"context"
	"fmt"
	"io"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

// ChildOptions say how StartChild starts a command.
type ChildOptions struct {
	// Out receives the child's stdout and stderr; nil discards them.
	Out io.Writer
	// Detached starts the child in a session of its own, with no owner mark and
	// no death signal, so it outlives this arena-dev (the background `up`).
	// Otherwise it is started as a supervised service is: the leader of a new
	// process group, SIGKILLed if arena-dev dies (Linux), marked with
	// procutil.OwnerEnv as this arena-dev's spec.Name, so a later run reaps it.
	Detached bool
}

// Child is one command run outside a Supervisor but started, probed and stopped
// the way the Supervisor does it for a service: parity's Worker and the
// background `up` use it, so there is one spawn path, one readiness rule and one
// stop ladder.
type Child struct {
	r    *childRunner
	spec ServiceSpec
}

// StartChild starts spec's command (Command, Shell, Dir, Env as for a service;
// the supervision defaults fill what is zero). It returns once the process runs.
func StartChild(spec ServiceSpec, o ChildOptions) (*Child, error) {
	if len(spec.Command) == 0 || spec.Run != nil {
		return nil, fmt.Errorf("service %q: a child needs a command (and no Run)", spec.Name)
	}
	spec.Service = spec.Service.WithDefaults()
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	owner := ""
	if !o.Detached {
		owner = ownerValue(procutil.RefOf(procutil.Self()), spec.Name)
	}
	r := newChildRunner(spec, owner, out, out)
	r.detached = o.Detached
	if err := r.start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", spec.Name, err)
	}
	return &Child{r: r, spec: spec}, nil
}

// PID is the child's process id (and, as it leads one, its process group's).
func (c *Child) PID() int { return c.r.pid() }

// Done is closed when the child exited.
func (c *Child) Done() <-chan struct{} { return c.r.done() }

// Err is how the child exited, once Done is closed.
func (c *Child) Err() error { return c.r.exitErr() }

// WaitReady polls the spec's probe with the rule `up` uses (an HTTP answer below
// 500, a TCP connection accepted) every Probe.Interval until it passes (nil),
// Probe.Timeout passes, ctx ends, or the child exits first. A log probe cannot be
// watched from here and is an error.
func (c *Child) WaitReady(ctx context.Context) error {
	if c.spec.Probe.Kind == project.ProbeLog {
		return fmt.Errorf("service %q: a log probe needs the supervisor", c.spec.Name)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.r.done():
			cancel()
		case <-ctx.Done():
		}
	}()
	err := waitReady(ctx, c.spec.Probe, nil)
	select {
	case <-c.r.done():
		if err != nil {
			return fmt.Errorf("%s exited before it was ready (%v)", c.spec.Name, c.r.exitErr())
		}
	default:
	}
	return err
}

// Stop runs the one stop ladder on the child's process group: SIGTERM, up to
// the spec's StopTimeout, SIGKILL, each stage logged. It reports whether the
// group is gone.
func (c *Child) Stop(log zerolog.Logger) bool {
	return stopLadder(runnerTarget(c.r), c.spec.StopTimeout, nil, log.With().Str("service", c.spec.Name).Logger(), nil)
}
