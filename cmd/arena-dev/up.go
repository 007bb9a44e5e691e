package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
			"is ready, and leaves it running for `arena-dev down`. On a stack already running it\n" +
			"applies the difference: prints the plan, restarts only what changed, starts what was\n" +
			"added, stops what was removed (--dry-run: the plan only; --watch: then follows the\n" +
			"files). Named SERVICEs start with what they depend on, and nothing else.",
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
		), append(e2eUpFlags(), convergeFlags()...)...), // e2eflags.go, converge.go
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
		// On a running stack, up applies the difference (converge.go).
		if r, err := attachStack(c); err == nil {
			return upConverge(c, r)
		} else if nr := (*stack.NotRunningError)(nil); !errors.As(err, &nr) {
			return err
		}
		p, err = project.Resolve(projectOptions(c))
	}
	if err != nil {
		return err
	}
	if err := stack.Preflight(p); err != nil {
		return err
	}
	if c.Bool("dry-run") {
		return upDryRunIdle(c, p)
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
	var follow func(ctx context.Context, r *stack.Live)
	if c.Bool("watch") || p.Watch {
		follow = func(ctx context.Context, r *stack.Live) {
			_ = stack.Follow(ctx, stack.FollowOptions{
				Model:   r.Model(),
				Resolve: func() (*project.Project, error) { return resolveKeeping(c, r.Model().Ports()) },
				Target:  r,
				Logger:  log,
			})
		}
	}
	return stack.Run(context.Background(), stack.Options{
		Follow:    follow,
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
				fmt.Fprintf(os.Stdout, "\n%sall services ready; Ctrl-C stops them (twice: at once)\n", dashboardLines(p, runToken(p)))
			} else {
				log.Info().Msg("all services ready")
			}
		},
	})
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
	if c.Bool("watch") || p.Watch {
		// The child follows the files: it resolves the model again as this
		// command did (converge.go).
		args = append(args, watchArgs(c, p)...)
	}
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
	fmt.Fprintf(c.App.Writer, "\n%sstack ready (arena-dev pid %d, log %s); stop it with `arena-dev down%s`\n",
		dashboardLines(p, r.RunFile.Token), r.RunFile.PID, stack.BackgroundLog(p.RunDir), stack.NameFlag(p.Name))
	return nil
}

func printStackJSON(c *cli.Context, r *stack.Running) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	return enc.Encode(r.Summary(c.Context))
}
