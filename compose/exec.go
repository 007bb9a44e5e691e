package compose

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/sommelier-arena/arena-dev/project"
)

// AnswersContainer is what the running answers container of project name says
// about itself: enough to run arena-dev's own commands inside it (ExecAnswers)
// against the state it serves, with no path of this machine involved.
type AnswersContainer struct {
	ID          string
	Port        string // the port it serves inside
	NamespaceID string
	StateDir    string // --persist-to inside
	RunDir      string // --run-dir inside: snapshots; "" for a container from before it
	Sync        Sync
}

// NotRunningError is a project with no running answers container.
type NotRunningError struct{ Project string }

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("project %s has no running answers container: start it with `arena-dev compose up -p %s`", e.Project, e.Project)
}

// FindAnswers inspects the answers container of project name.
func FindAnswers(ctx context.Context, cli client.APIClient, name string) (AnswersContainer, error) {
	c, err := cli.ContainerInspect(ctx, name+"-"+project.AnswersService+"-1")
	if err != nil || c.Config == nil || c.Config.Labels[LabelProject] != name || c.State == nil || !c.State.Running {
		return AnswersContainer{}, &NotRunningError{Project: name}
	}
	flag := func(f string) string {
		if i := slices.Index(c.Config.Cmd, f); i >= 0 && i+1 < len(c.Config.Cmd) {
			return c.Config.Cmd[i+1]
		}
		return ""
	}
	return AnswersContainer{ID: c.ID, Port: flag("--port"), NamespaceID: flag("--namespace-id"),
		StateDir: flag("--persist-to"), RunDir: flag("--run-dir"), Sync: Sync(c.Config.Labels[labelSync])}, nil
}

// Namespace are the flags that select the served namespace inside the container.
func (a AnswersContainer) Namespace() []string {
	return []string{"--persist-to", a.StateDir, "--namespace-id", a.NamespaceID}
}

// ExecAnswers runs `arena-dev args...` inside the answers container, as its user,
// copying its output to stdout and stderr; it returns the exit code. Inside, the
// answers API is on loopback and the state at its own path: what works against
// a local stack works the same against one on any engine.
func ExecAnswers(ctx context.Context, cli client.APIClient, a AnswersContainer, args []string, stdout, stderr io.Writer) (int, error) {
	ex, err := cli.ContainerExecCreate(ctx, a.ID, container.ExecOptions{
		Cmd: append([]string{"/arena-dev"}, args...), AttachStdout: true, AttachStderr: true, Env: []string{"NO_COLOR=1"},
	})
	if err != nil {
		return 0, fmt.Errorf("exec in the answers container: %w", err)
	}
	hj, err := cli.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		return 0, fmt.Errorf("exec in the answers container: %w", err)
	}
	defer hj.Close()
	if _, err := stdcopy.StdCopy(stdout, stderr, hj.Reader); err != nil {
		return 0, fmt.Errorf("exec in the answers container: %w", err)
	}
	insp, err := cli.ContainerExecInspect(ctx, ex.ID)
	if err != nil {
		return 0, fmt.Errorf("exec in the answers container: %w", err)
	}
	return insp.ExitCode, nil
}
