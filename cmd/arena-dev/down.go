package main

import (
	"fmt"
	"time"

	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/urfave/cli/v2"
)

func downCommand() *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "stop the stack that `arena-dev up` runs for this project, and any survivors",
		ArgsUsage: " ",
		Flags: append(projectFlags(),
			&cli.DurationFlag{Name: "timeout", Value: 20 * time.Second, Usage: "how long arena-dev may take to stop before it is killed"},
		),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, err := resolveProject(c)
			if err != nil {
				return err
			}
			found, err := orchestrate.StopOwner(p.RunDir, c.Duration("timeout"), *logOf(c))
			if err != nil {
				return err
			}
			if found {
				fmt.Fprintln(c.App.Writer, "stopped")
			} else {
				fmt.Fprintf(c.App.Writer, "not running in %s\n", p.Root)
			}
			return nil
		},
	}
}
