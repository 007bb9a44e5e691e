package main

import (
	"fmt"
	"time"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

func downCommand() *cli.Command {
	return &cli.Command{
		Name:      "down",
		Usage:     "stop the stack that `arena-dev up` runs for this project, and any survivors",
		ArgsUsage: " ",
		Flags: append(namedStackFlags(),
			&cli.DurationFlag{Name: "timeout", Value: 20 * time.Second, Usage: "how long arena-dev may take to stop before it is killed"},
			&cli.BoolFlag{Name: "all", Usage: "stop every stack of this checkout: the default one and every --name"},
		),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Bool("all") && c.IsSet("name") {
				return usagef("--all and --name exclude each other")
			}
			at, err := locateStack(c)
			if err != nil {
				return err
			}
			stacks := []project.Where{at}
			if c.Bool("all") {
				stacks = append(stacks, project.NamedStacks(at.Root)...)
			}
			stopped := 0
			for _, s := range stacks {
				found, err := stack.Stop(s, c.Duration("timeout"), *logOf(c))
				if err != nil {
					return err
				}
				if found {
					stopped++
					fmt.Fprintf(c.App.Writer, "stopped %s\n", stackLabel(s))
				}
			}
			if stopped == 0 {
				fmt.Fprintf(c.App.Writer, "not running in %s\n", at.Root)
			}
			return nil
		},
	}
}

// stackLabel names a stack: "the default stack" or "stack NAME".
func stackLabel(s project.Where) string {
	if s.Name == "" {
		return "the default stack"
	}
	return "stack " + s.Name
}
