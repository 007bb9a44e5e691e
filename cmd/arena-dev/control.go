package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/urfave/cli/v2"
)

// controlCommands are restart, stop and start: they act on services of the
// running stack through its control API.
func controlCommands() []*cli.Command {
	cmd := func(op runstate.Op, usage string) *cli.Command {
		return &cli.Command{
			Name: op.String(), Usage: usage, ArgsUsage: "SERVICE...",
			Flags: append(namedStackFlags(),
				&cli.DurationFlag{Name: "timeout", Value: 2 * time.Minute, Usage: "how long to wait for each service to be ready again (start, restart)"},
				&cli.BoolFlag{Name: "no-wait", Usage: "return once started, without waiting for readiness"}),
			Action: func(c *cli.Context) error { return controlAction(c, op) },
		}
	}
	return []*cli.Command{
		cmd(runstate.OpRestart, "restart services of the running stack (the answers API keeps its KV state)"),
		cmd(runstate.OpStop, "stop services of the running stack; they stay stopped until `arena-dev start`"),
		cmd(runstate.OpStart, "start stopped, failed or disabled services of the running stack (and what they depend on)"),
	}
}

func controlAction(c *cli.Context, op runstate.Op) error {
	if c.NArg() == 0 {
		return usagef("%s needs at least one SERVICE", op)
	}
	r, err := attachStack(c)
	if err != nil {
		return err
	}
	cl := r.Control
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for _, name := range c.Args().Slice() {
		svc, err := cl.Do(ctx, name, op)
		var ae *control.APIError
		if errors.As(err, &ae) && ae.Code == "unknown_service" {
			return usagef("%s", ae.Message)
		}
		if err != nil {
			return err
		}
		if op != runstate.OpStop && !c.Bool("no-wait") {
			if svc, err = waitSettled(ctx, cl, name, c.Duration("timeout")); err != nil {
				return err
			}
		}
		fmt.Fprintf(c.App.Writer, "%s: %s (pid %d, restarts %d)\n", name, svc.State, svc.PID, svc.Restarts)
		if svc.State == runstate.StateFailed {
			return fmt.Errorf("%s failed: %s", name, svc.LastError)
		}
	}
	return nil
}

// waitSettled follows the events until the service is ready or failed.
func waitSettled(ctx context.Context, cl *control.Client, name string, timeout time.Duration) (control.Service, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last control.Service
	err := cl.Events(ctx, func(s control.Service) bool {
		if s.Name != name {
			return true
		}
		last = s
		return s.State != runstate.StateReady && s.State != runstate.StateFailed
	})
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("%s not ready within --timeout %s (it is %s)", name, timeout, last.State)
	}
	return last, err
}
