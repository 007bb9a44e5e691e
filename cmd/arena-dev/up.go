package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
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
		Flags: append(append(projectFlags(),
			&cli.StringSliceFlag{Name: "profile", Usage: "also start the services of this profile (repeatable)"},
			&cli.BoolFlag{Name: "wait", Usage: "start in the background and return once all services are ready"},
			&cli.DurationFlag{Name: "timeout", Value: 3 * time.Minute, Usage: "with --wait: give up (and stop everything) after this"},
			&cli.BoolFlag{Name: "ephemeral", Usage: "use a throwaway KV state dir, seeded fresh and removed at exit"},
			&cli.StringFlag{Name: "persist-to", Usage: "KV persist root (like wrangler's --persist-to)"},
			&cli.StringSliceFlag{Name: "port", Usage: "override a service's port: SERVICE=PORT (repeatable)"},
			&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin the API allows (repeatable; replaces arena-dev.toml's and the Worker's CORS_ORIGINS; \"*\" = any)"},
			&cli.BoolFlag{Name: "background-child", Hidden: true},
		), e2eUpFlags()...), // e2eflags.go
		Action: upAction,
	}
}

func upAction(c *cli.Context) error {
	p, err := resolveProject(c)
	if err != nil {
		return err
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
		Ready: func(st []orchestrate.ServiceStatus) {
			if format == svclog.LogText && !c.Bool("background-child") {
				fmt.Fprintln(os.Stdout)
				_ = orchestrate.WriteStatusTable(os.Stdout, st)
				fmt.Fprintln(os.Stdout, "\nall services ready; Ctrl-C stops them (twice: at once)")
			} else {
				log.Info().Msg("all services ready")
			}
		},
	})
}

// upBackground re-runs this binary as a detached `up` on the same resolved project
// and waits for it to be ready.
func upBackground(c *cli.Context, p *project.Project) error {
	if rf, err := orchestrate.LiveOwner(p.RunDir); err != nil {
		return err
	} else if rf != nil {
		return alreadyUp(c, p, rf)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"--log-level", c.String("log-level"), "--log-format", c.String("log-format"),
		"up", "--background-child", "--dir", p.Root}
	if f := c.String("file"); f != "" {
		args = append(args, "--file", p.ConfigFile)
	}
	if c.Bool("ephemeral") {
		args = append(args, "--ephemeral")
	} else if c.String("persist-to") != "" {
		args = append(args, "--persist-to", p.Answers.PersistRoot)
	}
	for _, v := range c.StringSlice("port") {
		args = append(args, "--port", v)
	}
	for _, v := range c.StringSlice("cors-origin") {
		args = append(args, "--cors-origin", v)
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
	rf, err := orchestrate.ReadRunFile(p.RunDir)
	if err != nil {
		return err
	}
	_ = orchestrate.WriteStatusTable(c.App.Writer, rf.Services)
	fmt.Fprintf(c.App.Writer, "\nstack ready (arena-dev pid %d, log %s); stop it with `arena-dev down`\n",
		rf.PID, stack.BackgroundLog(p.RunDir))
	return nil
}

// alreadyUp is `up --wait` on a running stack: the same project is success (as
// `compose up --wait` on an unchanged stack), another one a usage error naming
// what differs.
func alreadyUp(c *cli.Context, p *project.Project, rf *orchestrate.RunFile) error {
	now, err := p.JSON()
	if err != nil {
		return err
	}
	if rf.Project == nil {
		return &orchestrate.AlreadyRunningError{RunDir: p.RunDir, PID: rf.PID}
	}
	diff, err := project.Diff(rf.Project, now)
	if err != nil {
		return err
	}
	if len(diff) > 0 {
		return usagef("a different stack already runs here (arena-dev pid %d); `arena-dev down` first. It differs in:\n  %s",
			rf.PID, strings.Join(diff, "\n  "))
	}
	_ = orchestrate.WriteStatusTable(c.App.Writer, rf.Services)
	fmt.Fprintf(c.App.Writer, "\nalready running (arena-dev pid %d); stop it with `arena-dev down`\n", rf.PID)
	return nil
}
