package main

import (
	"encoding/json"
	"fmt"

	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show each service's state, pid, port, URL and restarts (exit 0 all ready, 1 some failed or stopped, 3 not running)",
		ArgsUsage: " ",
		Flags:     append(namedStackFlags(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			at, err := locateStack(c)
			if err != nil {
				return err
			}
			out, err := stack.Status(c.Context, at)
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else if out.Running {
				_ = runstate.WriteStatusTable(c.App.Writer, out.Services)
			} else {
				fmt.Fprintf(c.App.Writer, "arena-dev is not running in %s\n", at.Root)
			}
			if !out.Running {
				return &notRunningError{} // already said on stdout
			}
			if bad := runstate.NotReady(out.Services); len(bad) > 0 {
				return errNotAllReady // the table said which
			}
			return nil
		},
	}
}

// errNotAllReady is status's exit 1: nothing to add to the table it printed.
var errNotAllReady = quietError{}

type quietError struct{}

func (quietError) Error() string { return "" }
