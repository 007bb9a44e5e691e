package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
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
			&cli.BoolFlag{Name: "background-child", Hidden: true},
		),
		Action: upAction,
	}
}

func upAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return cli.Exit(fmt.Sprintf("up takes no arguments (got %q)", c.Args().First()), 2)
	}
	if c.Bool("ephemeral") && c.String("persist-to") != "" {
		return cli.Exit("--ephemeral and --persist-to exclude each other", 2)
	}
	p, err := loadProject(c)
	if err != nil {
		return err
	}
	if c.Bool("wait") {
		return upBackground(c, p.Dir)
	}
	color := svclog.ColorAuto
	format := svclog.LogText
	if c.String("log-format") == "json" {
		format = svclog.LogJSON
	}
	err = stack.Run(context.Background(), stack.Options{
		Project:   p,
		PersistTo: c.String("persist-to"),
		Ephemeral: c.Bool("ephemeral"),
		Logger:    logger,
		Output:    os.Stdout,
		LogFormat: format,
		Color:     color,
		Ready: func(st []orchestrate.ServiceStatus) {
			if format == svclog.LogText && !c.Bool("background-child") {
				fmt.Fprintln(os.Stdout)
				_ = orchestrate.WriteStatusTable(os.Stdout, st)
				fmt.Fprintln(os.Stdout, "\nall services ready; Ctrl-C stops them (twice: at once)")
			} else {
				logger.Info().Msg("all services ready")
			}
		},
	})
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	return nil
}

// upBackground re-runs this binary as a detached `up` and waits for it to be ready.
func upBackground(c *cli.Context, projectDir string) error {
	exe, err := os.Executable()
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	args := []string{"--log-level", c.String("log-level"), "--log-format", c.String("log-format"),
		"up", "--background-child", "--dir", projectDir}
	if f := c.String("file"); f != "" {
		args = append(args, "--file", f)
	}
	if c.Bool("ephemeral") {
		args = append(args, "--ephemeral")
	}
	if pt := c.String("persist-to"); pt != "" {
		args = append(args, "--persist-to", pt)
	}
	for _, p := range c.StringSlice("port") {
		args = append(args, "--port", p)
	}
	if err := stack.StartBackground(projectDir, exe, args, c.Duration("timeout"), logger); err != nil {
		return cli.Exit(err.Error(), 1)
	}
	rf, err := orchestrate.ReadRunFile(stack.RunDir(projectDir))
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	_ = orchestrate.WriteStatusTable(c.App.Writer, rf.Services)
	fmt.Fprintf(c.App.Writer, "\nstack ready (arena-dev pid %d, log %s); stop it with `arena-dev down`\n",
		rf.PID, stack.BackgroundLog(projectDir))
	return nil
}
