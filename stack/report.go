package stack

import (
	"context"
	"errors"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Report is `status --json`: stable field names for scripts.
type Report struct {
	Running  bool                     `json:"running"`
	Ready    bool                     `json:"ready"`
	PID      int                      `json:"pid,omitempty"`
	Project  string                   `json:"project"`
	Error    string                   `json:"error,omitempty"`
	Services []runstate.ServiceStatus `json:"services"`
}

// Status reports on the stack at: not running, or its services' live states.
func Status(ctx context.Context, at project.Where) (Report, error) {
	rep := Report{Project: at.Root, Services: []runstate.ServiceStatus{}}
	r, err := Attach(at.Root, at.Name)
	var nr *NotRunningError
	if errors.As(err, &nr) {
		return rep, nil
	}
	if err != nil {
		return rep, err
	}
	rep.Running, rep.Ready, rep.PID, rep.Error = true, r.RunFile.Ready, r.RunFile.PID, r.RunFile.Error
	rep.Services = r.Status(ctx)
	return rep, nil
}

// Summary is `up --wait --json`: what a test runner needs to reach the stack.
type Summary struct {
	Name     string           `json:"name"`
	Project  string           `json:"project"`
	PID      int              `json:"pid"`
	RunDir   string           `json:"run_dir"`
	Services []ServiceSummary `json:"services"`
}

// ServiceSummary is one service of a Summary.
type ServiceSummary struct {
	Name  string `json:"name"`
	State string `json:"state"`
	URL   string `json:"url,omitempty"`
	Port  int    `json:"port,omitempty"`
	PID   int    `json:"pid,omitempty"`
}

// Summary is the running stack in brief, its services' states live.
func (r *Running) Summary(ctx context.Context) Summary {
	out := Summary{Name: r.Name, Project: r.Root, PID: r.RunFile.PID, RunDir: r.RunDir, Services: []ServiceSummary{}}
	for _, s := range r.Status(ctx) {
		out.Services = append(out.Services, ServiceSummary{Name: s.Name, State: s.State.String(), URL: s.URL, Port: s.Port, PID: s.PID})
	}
	return out
}
