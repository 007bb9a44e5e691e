package main

import (
	"context"
	"fmt"
	"os"
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
		Description: "Runs in the foreground until Ctrl-C (a second Ctrl-C kills at once). With --wait it\n" +
			"starts the stack in the background, returns 0 once every service is ready, and\n" +
			"leaves it running for `arena-dev down`.",
		ArgsUsage: " ",
		Flags: append(projectFlags(),
			&cli.BoolFlag{Name: "wait", Usage: "start in the background and return once all services are ready"},
			&cli.DurationFlag{Name: "timeout", Value: 3 * time.Minute, Usage: "with --wait: give up (and stop everything) after this"},
			&cli.BoolFlag{Name: "ephemeral", Usage: "use a throwaway KV state dir, seeded fresh and removed at exit"},
			&cli.StringFlag{Name: "persist-to", Usage: "KV persist root (like wrangler's --persist-to)"},
			&cli.StringSliceFlag{Name: "port", Usage: "override a service's port: SERVICE=PORT (repeatable)"},
			&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin the API allows (repeatable; replaces arena-dev.toml's and the Worker's CORS_ORIGINS; \"*\" = any)"},
			&cli.BoolFlag{Name: "background-child", Hidden: true},
		),
		Action: upAction,
	}
}

func upAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	p, err := resolveProject(c)
	if err != nil {
		return err
	}
	if c.Bool("wait") {
		return upBackground(c, p)
	}
	format := logFormat(c)
	log := *logOf(c)
	return stack.Run(context.Background(), stack.Options{
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
