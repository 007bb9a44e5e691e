// Package panel is the dashboard's services panel for a stack that runs as
// containers: the answers container's `serve` has no supervisor, so this reads
// the project's containers from the Engine API (through the Docker socket
// `compose up` mounts into that container) and acts on them with it. It is a
// control.Stack, so the control API and the page are the same as under `up`.
package panel

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// poll is how often the Engine is asked: the page gets changes as events, but
// the Engine's own event stream would need filtering by project and parsing;
// one container list a second is cheap for three containers.
const poll = time.Second

// Engine is a compose project's containers as a control.Stack.
type Engine struct {
	cli     client.APIClient
	project string

	logs *svclog.Logs // empty: the containers' logs are the Engine's (`compose logs`)

	mu     sync.Mutex
	last   []runstate.ServiceStatus
	subs   map[chan runstate.Event]struct{}
	cancel context.CancelFunc
}

// New watches the project's containers until Close.
func New(cli client.APIClient, project string) *Engine {
	ctx, cancel := context.WithCancel(context.Background())
	logs, _ := svclog.NewLogs(io.Discard, svclog.LogText, svclog.ColorNever, "", nil) // no files: cannot fail
	e := &Engine{cli: cli, project: project, logs: logs, subs: map[chan runstate.Event]struct{}{}, cancel: cancel}
	e.refresh(ctx)
	go e.watch(ctx)
	return e
}

// Close stops watching.
func (e *Engine) Close() { e.cancel() }

func (e *Engine) watch(ctx context.Context) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			e.refresh(ctx)
		}
	}
}

// refresh reads the containers and publishes what changed.
func (e *Engine) refresh(ctx context.Context) {
	rows, err := compose.Ps(ctx, e.cli, e.project)
	if err != nil {
		return // the next poll tries again; Status keeps the last view
	}
	now := make([]runstate.ServiceStatus, 0, len(rows))
	for _, r := range rows {
		now = append(now, status(r))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	old := map[string]runstate.ServiceStatus{}
	for _, s := range e.last {
		old[s.Name] = s
	}
	for _, s := range now {
		if prev, ok := old[s.Name]; ok && reflect.DeepEqual(prev, s) {
			continue
		}
		for ch := range e.subs {
			select {
			case ch <- runstate.Event{Time: time.Now(), ServiceStatus: s}:
			default: // a slow page catches up at its next snapshot
			}
		}
	}
	e.last = now
}

// status maps a container to a service state as the supervisor names them.
func status(r compose.ContainerStatus) runstate.ServiceStatus {
	s := runstate.ServiceStatus{Name: r.Service, LastError: r.Status}
	for _, p := range r.Publishers {
		if p.PublishedPort != 0 {
			s.Port = p.PublishedPort
			s.URL = fmt.Sprintf("http://127.0.0.1:%d", p.PublishedPort)
			break
		}
	}
	switch {
	case r.State == "running" && (r.Health == "" || r.Health == "healthy"):
		s.State = runstate.StateReady
	case r.State == "running" && r.Health == "unhealthy":
		s.State = runstate.StateFailed // what compose up --wait reports as a failure
	case r.State == "running":
		s.State = runstate.StateStarting
	case r.State == "restarting":
		s.State = runstate.StateRestarting
	case r.State == "created":
		s.State = runstate.StatePending
	case r.State == "exited" && r.ExitCode != 0, r.State == "dead":
		s.State = runstate.StateFailed
	default:
		s.State = runstate.StateStopped
	}
	return s
}

// Status is the last view of the containers.
func (e *Engine) Status() []runstate.ServiceStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]runstate.ServiceStatus(nil), e.last...)
}

// Control starts, stops or restarts a service's container.
func (e *Engine) Control(ctx context.Context, name string, op runstate.Op) error {
	id := e.project + "-" + name + "-1"
	known := []string{}
	found := false
	for _, s := range e.Status() {
		known = append(known, s.Name)
		found = found || s.Name == name
	}
	if !found {
		return &runstate.UnknownServiceError{Name: name, Known: known}
	}
	timeout := 10
	var err error
	switch op {
	case runstate.OpStart:
		err = e.cli.ContainerStart(ctx, id, container.StartOptions{})
	case runstate.OpStop:
		err = e.cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout})
	case runstate.OpRestart:
		err = e.cli.ContainerRestart(ctx, id, container.StopOptions{Timeout: &timeout})
	}
	if err != nil {
		return fmt.Errorf("%s %s: %s", op, id, strings.TrimSpace(err.Error()))
	}
	e.refresh(ctx)
	return nil
}

// Subscribe delivers every change the polls see until cancel.
func (e *Engine) Subscribe() (<-chan runstate.Event, func()) {
	ch := make(chan runstate.Event, 64)
	e.mu.Lock()
	e.subs[ch] = struct{}{}
	e.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			e.mu.Lock()
			delete(e.subs, ch)
			e.mu.Unlock()
		})
	}
}

// Logs is empty: the containers' logs are the Engine's (`arena-dev compose
// logs`), so the page's log panel stays quiet rather than failing.
func (e *Engine) Logs() *svclog.Logs { return e.logs }
