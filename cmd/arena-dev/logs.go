package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/urfave/cli/v2"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the stack's logs (from .wrangler/arena-dev/logs), prefixed as `up` prints them",
		ArgsUsage: "[SERVICE...]",
		Flags: append(projectFlags(),
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new lines until Ctrl-C"},
			&cli.IntFlag{Name: "tail", Aliases: []string{"n"}, Value: -1, Usage: "only the last N lines of each service (-1: all)"},
		),
		Action: func(c *cli.Context) error {
			p, err := resolveProject(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			return svclog.PrintLogs(ctx, p.LogDir, svclog.LogsOptions{
				Services: c.Args().Slice(),
				Tail:     c.Int("tail"),
				Follow:   c.Bool("follow"),
				Out:      c.App.Writer,
				Format:   logFormat(c),
				Color:    svclog.ColorAuto,
			})
		},
	}
}
