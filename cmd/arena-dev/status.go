package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// statusJSON is `status --json`: stable field names for scripts.
type statusJSON struct {
	Running  bool                     `json:"running"`
	Ready    bool                     `json:"ready"`
	PID      int                      `json:"pid,omitempty"`
	Project  string                   `json:"project"`
	Error    string                   `json:"error,omitempty"`
	Services []runstate.ServiceStatus `json:"services"`
}

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
			out := statusJSON{Project: at.Root, Services: []runstate.ServiceStatus{}}
			r, err := stack.Attach(at.Root, at.Name)
			var nr *stack.NotRunningError
			if err != nil && !errors.As(err, &nr) {
				return err
			}
			if r != nil {
				out.Running, out.Ready, out.PID, out.Error = true, r.RunFile.Ready, r.RunFile.PID, r.RunFile.Error
				out.Services = r.Status(c.Context)
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
