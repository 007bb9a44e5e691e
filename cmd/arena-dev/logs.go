package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:      "logs",
		Usage:     "print the stack's logs (from .wrangler/arena-dev/logs), prefixed as `up` prints them",
		ArgsUsage: "[SERVICE...]",
		Flags: append(namedStackFlags(),
			&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new lines until Ctrl-C"},
			&cli.IntFlag{Name: "tail", Aliases: []string{"n"}, Value: -1, Usage: "only the last N lines of each service (-1: all)"},
		),
		Action: func(c *cli.Context) error {
			at, err := locateStack(c)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			if c.Bool("follow") {
				// A running stack streams through its API; the files are for a
				// stack that is not running.
				if r, err := stack.Attach(at.Root, at.Name); err == nil {
					return followAPI(ctx, c, r.Control)
				}
			}
			return svclog.PrintLogs(ctx, at.LogDir, svclog.LogsOptions{
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

// followAPI prints the last lines and then every new one from the running stack.
func followAPI(ctx context.Context, c *cli.Context, cl *control.Client) error {
	out, err := svclog.NewLogs(c.App.Writer, logFormat(c), svclog.ColorAuto, "", nil)
	if err != nil {
		return err
	}
	n := c.Int("tail")
	if n < 0 {
		n = -1
	}
	err = cl.Logs(ctx, c.Args().Slice(), n, true, func(l svclog.JSONLine) { out.Line(l.Service, l.Stream, l.Line) })
	var ae *control.APIError
	if errors.As(err, &ae) && ae.Code == "unknown_service" {
		return usagef("%s", ae.Message)
	}
	return err
}
