package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

func upCommand() *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "run the whole stack: the answers API in process, PartyKit and Astro supervised",
		Description: "Runs in the foreground until Ctrl-C (a second Ctrl-C, 500ms or more later, kills at\n" +
			"once). With --wait it starts the stack in the background, returns 0 once every service\n" +
			"is ready, and leaves it running for `arena-dev down`; on a stack already running the\n" +
			"same project it just prints the status. Named SERVICEs start with what they depend\n" +
			"on, and nothing else.",
		ArgsUsage: "[SERVICE...]",
		Flags: append(append(namedStackFlags(),
			&cli.StringSliceFlag{Name: "profile", Usage: "also start the services of this profile (repeatable)"},
			&cli.StringFlag{Name: "ports", Usage: "`auto`: a free port for every service (a --port still wins); URLs, env and CORS follow"},
			&cli.BoolFlag{Name: "json", Usage: "with --wait: print the stack (name, services with URL, port, pid) as one JSON object"},
			&cli.BoolFlag{Name: "wait", Usage: "start in the background and return once all services are ready"},
			&cli.DurationFlag{Name: "timeout", Value: 3 * time.Minute, Usage: "with --wait: give up (and stop everything) after this"},
			&cli.BoolFlag{Name: "ephemeral", Usage: "use a throwaway KV state dir, seeded fresh and removed at exit"},
			&cli.StringFlag{Name: "persist-to", Usage: "KV persist root (like wrangler's --persist-to)"},
			&cli.StringSliceFlag{Name: "port", Usage: "override a service's port: SERVICE=PORT (repeatable)"},
			&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin the API allows (repeatable; replaces arena-dev.toml's and the Worker's CORS_ORIGINS; \"*\" = any)"},
			&cli.StringFlag{Name: "answers", Usage: "who serves the answers API: `go` (arena-dev, the default) or worker (`wrangler dev` of the project's Worker)"},
			// --wait's background child runs the model its parent resolved.
			&cli.StringFlag{Name: "model", Hidden: true},
		), e2eUpFlags()...), // e2eflags.go
		Action: upAction,
	}
}

func upAction(c *cli.Context) error {
	if v := c.String("ports"); v != "" && v != "auto" {
		return usagef("--ports %q: the only value is auto (one service: --port SVC=N)", v)
	}
	if c.Bool("json") && !c.Bool("wait") {
		return usagef("--json goes with --wait (the foreground up prints logs)")
	}
	child := c.String("model") != ""
	var p *project.Project
	var err error
	if child {
		p, err = stack.ReadModelFile(c.String("model"))
	} else {
		p, err = resolveUp(c)
	}
	if err != nil {
		return err
	}
	if p == nil {
		return nil // already up, and said so
	}
	if err := stack.Preflight(p); err != nil {
		return err
	}
	if c.Bool("wait") {
		return upBackground(c, p)
	}
	format := logFormat(c)
	log := *logOf(c)
	fixtures, err := fixturesLoader(c.String("fixtures"), &log)
	if err != nil {
		return err
	}
	return stack.Run(context.Background(), stack.Options{
		Fixtures:  fixtures,
		Project:   p,
		Logger:    log,
		Output:    os.Stdout,
		LogFormat: format,
		Color:     svclog.ColorAuto,
		Ready: func(st []runstate.ServiceStatus) {
			if format == svclog.LogText && !child {
				fmt.Fprintln(os.Stdout)
				_ = runstate.WriteStatusTable(os.Stdout, st)
				fmt.Fprintf(os.Stdout, "\ndashboard: %s\nall services ready; Ctrl-C stops them (twice: at once)\n", stack.DashboardURL(p))
			} else {
				log.Info().Msg("all services ready")
			}
		},
	})
}

// resolveUp resolves the model `up` runs. For `up --wait` on a stack that is
// already running it compares the two instead (alreadyUp) and returns nil.
func resolveUp(c *cli.Context) (*project.Project, error) {
	o := projectOptions(c)
	if !c.Bool("wait") {
		return project.Resolve(o)
	}
	at, err := locateStack(c)
	if err != nil {
		return nil, err
	}
	r, err := stack.Attach(at.Root, at.Name)
	var nr *stack.NotRunningError
	if errors.As(err, &nr) {
		return project.Resolve(o)
	}
	if err != nil {
		return nil, err
	}
	// --ports auto would pick other free ports than the running stack got.
	o.AutoPortsFrom = r.Model.Ports()
	p, err := project.Resolve(o)
	if err != nil {
		return nil, err
	}
	return nil, alreadyUp(c, r, p)
}

// upBackground starts this binary as a detached `up` that runs p (handed over
// as a file, not resolved again) and waits for it to be ready.
func upBackground(c *cli.Context, p *project.Project) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"--log-level", c.String("log-level"), "--log-format", c.String("log-format"), "up"}
	if f := c.String("fixtures"); f != "" {
		// Refuse a bad file before starting anything; the child runs elsewhere.
		if _, err := fixturesLoader(f, logOf(c)); err != nil {
			return err
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			return err
		}
		args = append(args, "--fixtures", abs)
	}
	model, err := stack.WriteModelFile(p)
	if err != nil {
		return err
	}
	args = append(args, "--model", model)
	if err := stack.StartBackground(p, exe, args, c.Duration("timeout"), *logOf(c)); err != nil {
		return err
	}
	r, err := stack.Attach(p.Root, p.Name)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printStackJSON(c, r)
	}
	_ = runstate.WriteStatusTable(c.App.Writer, r.Status(c.Context))
	fmt.Fprintf(c.App.Writer, "\ndashboard: %s\nstack ready (arena-dev pid %d, log %s); stop it with `arena-dev down%s`\n",
		r.DashboardURL(), r.RunFile.PID, stack.BackgroundLog(p.RunDir), stack.NameFlag(p.Name))
	return nil
}

func printStackJSON(c *cli.Context, r *stack.Running) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	return enc.Encode(r.Summary(c.Context))
}

// alreadyUp is `up --wait` on a running stack: the same model is success (as
// `compose up --wait` on an unchanged stack), another one a usage error naming
// what differs.
func alreadyUp(c *cli.Context, r *stack.Running, p *project.Project) error {
	diff, err := r.Differs(p)
	if err != nil {
		return err
	}
	if len(diff) > 0 {
		return usagef("a different stack already runs here (arena-dev pid %d); `arena-dev down%s` first. It differs in:\n  %s",
			r.RunFile.PID, stack.NameFlag(r.Name), strings.Join(diff, "\n  "))
	}
	if c.Bool("json") {
		return printStackJSON(c, r)
	}
	_ = runstate.WriteStatusTable(c.App.Writer, r.Status(c.Context))
	fmt.Fprintf(c.App.Writer, "\ndashboard: %s\nalready running (arena-dev pid %d); stop it with `arena-dev down%s`\n",
		r.DashboardURL(), r.RunFile.PID, stack.NameFlag(r.Name))
	return nil
}
