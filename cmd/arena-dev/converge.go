package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// convergeFlags are up's flags for changing a stack in place.
func convergeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "watch", Usage: "follow arena-dev.toml, env files, .dev.vars, the wrangler config and the services' watch globs, applying each valid edit (also: watch = true in arena-dev.toml)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "on a running stack: print the plan (what would restart, start or stop, and why) and change nothing"},
		// The ports --ports auto picked, kept by the background `up` when it
		// resolves the model again (--watch): --port would outlive a removed service.
		&cli.StringSliceFlag{Name: "pin-port", Hidden: true},
	}
}

// pinnedPorts reads --pin-port SERVICE=N.
func pinnedPorts(c *cli.Context) (map[string]int, error) {
	out := map[string]int{}
	for _, kv := range c.StringSlice("pin-port") {
		name, val, _ := strings.Cut(kv, "=")
		n, err := strconv.Atoi(val)
		if err != nil {
			return nil, usagef("--pin-port %q: want SERVICE=PORT", kv)
		}
		out[name] = n
	}
	return out, nil
}

// resolveKeeping resolves the model again from the files and the command line,
// keeping the ports --ports auto gave the running stack (cur).
func resolveKeeping(c *cli.Context, cur map[string]int) (*project.Project, error) {
	o := projectOptions(c)
	if o.PortsAuto {
		o.AutoPortsFrom = cur
	}
	return project.Resolve(o)
}

// upConverge is `up` on a stack that runs: the plan first, then (unless
// --dry-run) the change through the control API, then, as up does, the status
// once every service is ready; with --watch it follows the files from here.
func upConverge(c *cli.Context, r *stack.Running) error {
	// --ports auto picked free ports again: keep the ones the stack has.
	p, err := resolveKeeping(c, r.Model.Ports())
	if err != nil {
		return err
	}
	cl := r.Control
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	raw, err := p.JSON()
	if err != nil {
		return err
	}
	plan, err := cl.Apply(ctx, raw, true, "up")
	if err := applyError(err); err != nil {
		return err
	}
	out := c.App.Writer
	if c.Bool("json") {
		out = c.App.ErrWriter // stdout is the one JSON object
	}
	pid := r.RunFile.PID
	printPlan(out, plan, pid)
	if c.Bool("dry-run") {
		return nil
	}
	if !plan.Empty() {
		start := time.Now()
		if _, err = cl.Apply(ctx, raw, false, "up"); applyError(err) != nil {
			return applyError(err)
		}
		if err := waitStackReady(ctx, cl, c.Duration("timeout")); err != nil {
			return err
		}
		fmt.Fprintf(out, "applied in %s\n", time.Since(start).Round(time.Millisecond))
	}
	statuses := r.Status(ctx)
	if c.Bool("json") {
		if err := printStackJSON(c, r); err != nil {
			return err
		}
	} else {
		_ = runstate.WriteStatusTable(c.App.Writer, statuses)
		fmt.Fprintf(c.App.Writer, "\n%srunning (arena-dev pid %d); stop it with `arena-dev down%s`\n", dashboardLines(p, r.RunFile.Token), pid, stack.NameFlag(p.Name))
	}
	if !c.Bool("watch") && !p.Watch {
		return nil
	}
	// Following ends with the stack: its event stream ends when it stops.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = cl.Events(ctx, func(control.Service) bool { return true })
		if ctx.Err() == nil {
			logOf(c).Info().Msg("watch: the stack stopped; no more to follow")
		}
		cancel()
	}()
	return stack.Follow(ctx, stack.FollowOptions{
		Model:   p,
		Resolve: func() (*project.Project, error) { return resolveKeeping(c, p.Ports()) },
		Target:  cl,
		Logger:  *logOf(c),
	})
}

// applyError turns the control API's refusals into the CLI's exit codes: another
// stack or a bad model is a usage error (2), the rest a failure (1).
func applyError(err error) error {
	var ae *control.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case "not_convergeable", "bad_model":
			return usagef("%s", ae.Message)
		case "not_found":
			return fmt.Errorf("the running arena-dev cannot apply a change in place (it predates it); `arena-dev down` first")
		}
	}
	return err
}

// printPlan writes the plan, one service a line.
func printPlan(w io.Writer, plan project.Plan, pid int) {
	if plan.Empty() {
		fmt.Fprintf(w, "already running (arena-dev pid %d): nothing to change\n", pid)
		return
	}
	fmt.Fprintf(w, "the running stack (arena-dev pid %d) changes:\n", pid)
	for _, l := range plan.Lines() {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// waitStackReady waits until every service that should run is ready, or one
// failed (an error naming it).
func waitStackReady(ctx context.Context, cl *control.Client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		svcs, err := cl.Services(ctx)
		if err != nil {
			return err
		}
		statuses := make([]runstate.ServiceStatus, len(svcs))
		for i, s := range svcs {
			statuses[i] = s.ServiceStatus
			if s.State == runstate.StateFailed && !s.Disabled {
				return fmt.Errorf("service %s failed after the change: %s", s.Name, s.LastError)
			}
		}
		if len(runstate.NotReady(statuses)) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within --timeout %s after the change: %s", timeout, strings.Join(runstate.NotReady(statuses), ", "))
		case <-tick.C:
		}
	}
}

// upDryRunIdle is --dry-run with no stack running: all would start.
func upDryRunIdle(c *cli.Context, p *project.Project) error {
	fmt.Fprintf(c.App.Writer, "no stack runs here; `arena-dev up%s` would start:\n", stack.NameFlag(p.Name))
	for _, s := range p.Services {
		if !s.Disabled {
			fmt.Fprintf(c.App.Writer, "  %s: start\n", s.Name)
		}
	}
	return nil
}

// watchArgs are the flags a background `up --watch` needs to resolve the model
// again as its parent did: the command line as given, and the ports --ports auto
// picked, pinned (the child must keep them, and drop a removed service's).
func watchArgs(c *cli.Context, p *project.Project) []string {
	args := []string{"--watch", "--dir", p.Root}
	if p.Name != "" {
		args = append(args, "--name", p.Name)
	}
	if c.String("file") != "" {
		args = append(args, "--file", p.ConfigFile)
	}
	if c.Bool("ephemeral") {
		args = append(args, "--ephemeral")
	} else if c.String("persist-to") != "" {
		args = append(args, "--persist-to", p.Answers.PersistRoot)
	}
	if c.String("ports") == "auto" {
		args = append(args, "--ports", "auto")
		for name, port := range p.Ports() {
			args = append(args, "--pin-port", fmt.Sprintf("%s=%d", name, port))
		}
	}
	for _, f := range []string{"port", "cors-origin", "profile"} {
		for _, v := range c.StringSlice(f) {
			args = append(args, "--"+f, v)
		}
	}
	for _, f := range []string{"answers", "kv-consistency", "kv-propagation-delay"} {
		if v := c.String(f); v != "" {
			args = append(args, "--"+f, v)
		}
	}
	return append(args, c.Args().Slice()...)
}
