package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/urfave/cli/v2"
)

// statusJSON is `status --json`: stable field names for scripts.
type statusJSON struct {
	Running  bool                        `json:"running"`
	Ready    bool                        `json:"ready"`
	PID      int                         `json:"pid,omitempty"`
	Project  string                      `json:"project"`
	Error    string                      `json:"error,omitempty"`
	Services []orchestrate.ServiceStatus `json:"services"`
}

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "show each service's state, pid, port, URL and restarts (exit 3 when not running)",
		ArgsUsage: " ",
		Flags:     append(projectFlags(), &cli.BoolFlag{Name: "json", Usage: "print JSON"}),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			p, err := resolveProject(c)
			if err != nil {
				return err
			}
			rf, err := orchestrate.ReadRunFile(p.RunDir)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			out := statusJSON{Project: p.Root, Services: []orchestrate.ServiceStatus{}}
			if rf != nil && rf.OwnerAlive() {
				out.Running, out.Ready, out.PID, out.Error, out.Services = true, rf.Ready, rf.PID, rf.Error, rf.Services
			}
			if c.Bool("json") {
				enc := json.NewEncoder(c.App.Writer)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return err
				}
			} else if out.Running {
				_ = orchestrate.WriteStatusTable(c.App.Writer, out.Services)
			} else {
				fmt.Fprintf(c.App.Writer, "arena-dev is not running in %s\n", p.Root)
			}
			if !out.Running {
				return &notRunningError{} // already said on stdout
			}
			return nil
		},
	}
}
