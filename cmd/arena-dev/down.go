package main

import (
	"fmt"
	"time"

	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/stack"
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
			if c.NArg() > 0 {
				return cli.Exit(fmt.Sprintf("down takes no arguments (got %q)", c.Args().First()), 2)
			}
			p, err := loadProject(c)
			if err != nil {
				return err
			}
			found, err := orchestrate.StopOwner(stack.RunDir(p.Dir), c.Duration("timeout"), logger)
			if err != nil {
				return cli.Exit(err.Error(), 1)
			}
			if found {
				fmt.Fprintln(c.App.Writer, "stopped")
			} else {
				fmt.Fprintln(c.App.Writer, "not running")
			}
			return nil
		},
	}
}
