package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/sommelier-arena/arena-dev/orchestrate"
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
			p, err := resolveProject(c)
			if err != nil {
				return err
			}
			dirs := []string{p.RunDir}
			if c.Bool("all") {
				if c.IsSet("name") {
					return usagef("--all and --name exclude each other")
				}
				named, _ := filepath.Glob(filepath.Join(p.RunDir, "stacks", "*"))
				dirs = append(dirs, named...)
			}
			stopped := 0
			for _, dir := range dirs {
				found, err := orchestrate.StopOwner(dir, c.Duration("timeout"), *logOf(c))
				if err != nil {
					return err
				}
				if found {
					stopped++
					fmt.Fprintf(c.App.Writer, "stopped %s\n", stackLabel(p.RunDir, dir))
				}
			}
			if stopped == 0 {
				fmt.Fprintf(c.App.Writer, "not running in %s\n", p.Root)
			}
			return nil
		},
	}
}

// stackLabel names a stack by its run dir: "the default stack" or its --name.
func stackLabel(defaultDir, dir string) string {
	if dir == defaultDir {
		return "the default stack"
	}
	return "stack " + filepath.Base(dir)
}
