package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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
			&cli.BoolFlag{Name: "background-child", Hidden: true},
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
	if _, err := pinnedPorts(c); err != nil {
		return err
	}
	p, err := resolveProject(c)
	if err != nil {
		return err
	}
	if err := stack.Preflight(p); err != nil {
		return err
	}
	// On a running stack, up applies the difference (converge.go).
	if !c.Bool("background-child") {
		r, err := stack.Attach(p.Root, p.Name)
		var nr *stack.NotRunningError
		switch {
		case err == nil:
			return upConverge(c, r)
		case !errors.As(err, &nr):
			return err
		}
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
			if format == svclog.LogText && !c.Bool("background-child") {
				fmt.Fprintln(os.Stdout)
				_ = runstate.WriteStatusTable(os.Stdout, st)
				fmt.Fprintf(os.Stdout, "\ndashboard: %s\nall services ready; Ctrl-C stops them (twice: at once)\n", stack.DashboardURL(p))
			} else {
				log.Info().Msg("all services ready")
			}
		},
	})
}

// upBackground re-runs this binary as a detached `up` on the same resolved project
// and waits for it to be ready.
func upBackground(c *cli.Context, p *project.Project) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"--log-level", c.String("log-level"), "--log-format", c.String("log-format"),
		"up", "--background-child", "--dir", p.Root}
	if p.Name != "" {
		args = append(args, "--name", p.Name)
	}
	if f := c.String("file"); f != "" {
		args = append(args, "--file", p.ConfigFile)
	}
	if c.Bool("ephemeral") {
		args = append(args, "--ephemeral")
	} else if c.String("persist-to") != "" {
		args = append(args, "--persist-to", p.Answers.PersistRoot)
	}
	// The ports as given; those --ports auto picked here are pinned: the child
	// must not pick again, and keeps them when it resolves the model anew (--watch).
	for _, v := range c.StringSlice("port") {
		args = append(args, "--port", v)
	}
	if c.String("ports") == "auto" {
		args = append(args, "--ports", "auto")
		for name, port := range p.Ports() {
			args = append(args, "--pin-port", fmt.Sprintf("%s=%d", name, port))
		}
	}
	if c.Bool("watch") {
		args = append(args, "--watch")
	}
	for _, v := range c.StringSlice("cors-origin") {
		args = append(args, "--cors-origin", v)
	}
	if m := c.String("answers"); m != "" {
		args = append(args, "--answers", m)
	}
	for _, v := range c.StringSlice("profile") {
		args = append(args, "--profile", v)
	}
	if args, err = e2eUpArgs(c, args); err != nil {
		return err
	}
	args = append(args, c.Args().Slice()...)
	if err := stack.StartBackground(p, exe, args, c.Duration("timeout"), *logOf(c)); err != nil {
		return err
	}
	rf, err := runstate.ReadRunFile(p.RunDir)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printStackJSON(c, p, rf)
	}
	_ = runstate.WriteStatusTable(c.App.Writer, rf.Services)
	fmt.Fprintf(c.App.Writer, "\ndashboard: %s\nstack ready (arena-dev pid %d, log %s); stop it with `arena-dev down%s`\n",
		stack.DashboardURL(p), rf.PID, stack.BackgroundLog(p.RunDir), nameFlag(p))
	return nil
}

func nameFlag(p *project.Project) string {
	if p.Name == "" {
		return ""
	}
	return " --name " + p.Name
}

// stackJSON is `up --wait --json`: what a test runner needs to reach the stack.
type stackJSON struct {
	Name     string        `json:"name"`
	Project  string        `json:"project"`
	PID      int           `json:"pid"`
	RunDir   string        `json:"run_dir"`
	Services []serviceJSON `json:"services"`
}

type serviceJSON struct {
	Name  string `json:"name"`
	State string `json:"state"`
	URL   string `json:"url,omitempty"`
	Port  int    `json:"port,omitempty"`
	PID   int    `json:"pid,omitempty"`
}

func printStackJSON(c *cli.Context, p *project.Project, rf *runstate.RunFile) error {
	out := stackJSON{Name: p.Name, Project: p.Root, PID: rf.PID, RunDir: p.RunDir, Services: []serviceJSON{}}
	for _, s := range rf.Services {
		out.Services = append(out.Services, serviceJSON{Name: s.Name, State: s.State.String(), URL: s.URL, Port: s.Port, PID: s.PID})
	}
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
