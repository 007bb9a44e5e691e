package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Running is a stack that runs, as Attach found it. Everything in it comes from
// the stack itself (its run file and its control API), never from arena-dev.toml
// or the files it names: a stack started from a configuration that has since
// been edited, even broken, is still the stack it was.
type Running struct {
	project.Where
	// Model is the resolved model the stack runs (its run file's project),
	// exactly as `up` resolved it: its ports, persist root, consistency mode.
	Model *project.Project
	// RunFile is the run file as Attach read it (pid, readiness, the services'
	// last recorded states).
	RunFile *runstate.RunFile
	// Control is the stack's control API: services, start/stop/restart, events
	// and logs.
	Control *control.Client
	// Answers calls the answers port of the stack (its URL from Model).
	Answers *AnswersClient
}

// NotRunningError: no live arena-dev runs the stack (the CLI exits 3).
type NotRunningError struct{ project.Where }

func (e *NotRunningError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("stack %s is not running in %s", e.Name, e.Root)
	}
	return fmt.Sprintf("arena-dev is not running in %s", e.Root)
}

// Attach returns the running stack name ("" for the default stack) of the
// project at root, or a *NotRunningError when no live arena-dev runs it. It
// reads only the stack's run file: root and name locate it (project.Locate
// finds root from which files exist), and nothing else is parsed.
//
// Attach is how every command reaches a running stack (down aside: Stop stops
// whatever the run file names, even a stack too old to record its model). A
// command that would change the running stack resolves the new model with
// project.Options.AutoPortsFrom = r.Model.Ports() (so --ports auto keeps the
// running ports), compares it with r.Differs, and acts through r.Control and
// r.Answers; it never re-derives the running stack from the files.
func Attach(root, name string) (*Running, error) {
	at := project.StackAt(root, name)
	rf, err := runstate.LiveOwner(at.RunDir)
	if err != nil {
		return nil, err
	}
	if rf == nil {
		return nil, &NotRunningError{at}
	}
	if rf.Project == nil {
		return nil, fmt.Errorf("the stack in %s (arena-dev pid %d) does not record the model it runs: an older arena-dev started it; `arena-dev down%s` and up again",
			at.RunDir, rf.PID, NameFlag(name))
	}
	model, err := project.Decode(rf.Project)
	if err != nil {
		return nil, fmt.Errorf("the run file in %s: %w", at.RunDir, err)
	}
	if rf.Control == nil {
		return nil, fmt.Errorf("the run file in %s names no control API", at.RunDir)
	}
	return &Running{Where: at, Model: model, RunFile: rf, Control: control.Connect(rf.Control),
		Answers: &AnswersClient{URL: model.Answers.URL}}, nil
}

// Status is the services' live states from the control API, or when it does
// not answer, as the run file last recorded them.
func (r *Running) Status(ctx context.Context) []runstate.ServiceStatus {
	if live, err := r.Control.Services(ctx); err == nil {
		out := make([]runstate.ServiceStatus, len(live))
		for i, s := range live {
			out[i] = s.ServiceStatus
		}
		return out
	}
	return r.RunFile.Services
}

// Differs lists how p, a newly resolved model, differs from the model the stack
// runs ("Answers.KVConsistency: \"edge\" -> \"strong\""); none means p is the
// running stack. Whole models are compared, every field: what the model gains
// is compared without anyone listing it here. Resolve p with
// Options.AutoPortsFrom = r.Model.Ports() when it has --ports auto, or the
// ports picked afresh differ.
func (r *Running) Differs(p *project.Project) ([]string, error) {
	now, err := p.JSON()
	if err != nil {
		return nil, err
	}
	return project.Diff(r.RunFile.Project, now)
}

// Stop is `arena-dev down` of the stack at: SIGTERM to its arena-dev, which
// stops its services, then SIGKILL after timeout, then the survivors of a dead
// one are reaped. found says whether one was running. It reads only the run
// file, so it works whatever state the configuration is in.
func Stop(at project.Where, timeout time.Duration, log zerolog.Logger) (found bool, err error) {
	return orchestrate.StopOwner(at.RunDir, timeout, log)
}

// DashboardURL is the dashboard of the running stack.
func (r *Running) DashboardURL() string { return DashboardURL(r.Model) }

// DashboardURL is the dashboard's address on the model's answers port.
func DashboardURL(p *project.Project) string {
	return strings.TrimRight(p.Answers.URL, "/") + "/_arena/"
}

// NameFlag is how a command names the stack: "" or " --name NAME".
func NameFlag(name string) string {
	if name == "" {
		return ""
	}
	return " --name " + name
}

// AnswersClient calls a running stack's answers port (its /_arena endpoints).
type AnswersClient struct {
	URL string // the answers service's base URL, from the model
}

// Call sends a request and decodes the JSON answer into out (when not nil); an
// error answer becomes an error with its message.
func (a *AnswersClient) Call(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(a.URL, "/")+path, nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("the running stack's answers API (%s): %w", a.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s %s: %s", method, path, e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d %s", method, path, res.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
