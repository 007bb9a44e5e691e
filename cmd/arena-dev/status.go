package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
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
	Token    string                      `json:"token,omitempty"` // bound beyond loopback (docs/security.md)
	Services []orchestrate.ServiceStatus `json:"services"`
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
				if answers.BindWarning(p.Answers.Host) != "" {
					out.Token = rf.Token
				}
				// The API's view is the live one; the run file is the fallback.
				if cl, err := control.Dial(p.RunDir); err == nil {
					if live, err := cl.Services(c.Context); err == nil {
						out.Services = out.Services[:0]
						for _, s := range live {
							out.Services = append(out.Services, s.ServiceStatus)
						}
					}
				}
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
			if bad := notReady(out.Services); len(bad) > 0 {
				return errNotAllReady // the table said which
			}
			return nil
		},
	}
}

// notReady names the services that should run and are not ready: status exits 1
// for them. A disabled service counts only once started by hand.
func notReady(services []orchestrate.ServiceStatus) []string {
	var out []string
	for _, s := range services {
		running := s.State == orchestrate.StateStarting || s.State == orchestrate.StateReady || s.State == orchestrate.StateRestarting
		if s.Disabled && !running {
			continue
		}
		if s.State != orchestrate.StateReady {
			out = append(out, s.Name)
		}
	}
	return out
}

// errNotAllReady is status's exit 1: nothing to add to the table it printed.
var errNotAllReady = quietError{}

type quietError struct{}

func (quietError) Error() string { return "" }
