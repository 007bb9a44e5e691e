package parity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

// worker is the project's Worker under `wrangler dev`, started from the model's
// own answers service (mode worker): the same command, env and dir `up` uses.
type worker struct {
	cmd    *exec.Cmd
	exited chan error
	out    *syncBuffer
	URL    string
}

// startWorker starts svc and returns once GET /healthz answers 200 (the same
// readiness `up` waits for), or with an error carrying its last output.
func startWorker(ctx context.Context, svc project.Service, timeout time.Duration) (*worker, error) {
	prog := svc.Command[0]
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(svc.Dir, prog)
	}
	w := &worker{out: &syncBuffer{}, exited: make(chan error, 1), URL: svc.URL}
	w.cmd = exec.Command(prog, svc.Command[1:]...)
	w.cmd.Dir = svc.Dir
	w.cmd.Env = append(os.Environ(), svc.Env...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	procutil.NewGroup(w.cmd) // its own group: workerd and esbuild go with it
	if err := procutil.Start(w.cmd); err != nil {
		return nil, fmt.Errorf("starting the Worker (%s): %w", prog, err)
	}
	go func() { w.exited <- w.cmd.Wait() }()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		if res, err := client.Get(svc.Probe.URL); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return w, nil
			}
		}
		select {
		case err := <-w.exited:
			w.exited <- err
			return nil, fmt.Errorf("the Worker exited before it was ready (%v):\n%s", err, w.tail())
		case <-deadline.C:
			w.stop()
			return nil, fmt.Errorf("the Worker was not ready within %s:\n%s", timeout, w.tail())
		case <-ctx.Done():
			w.stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// stop ends its process group: SIGTERM, then SIGKILL after 5 s; and once node has
// gone, SIGKILL to whatever of the group is left (workerd must not outlive it).
func (w *worker) stop() {
	pgid := w.cmd.Process.Pid
	_ = procutil.TerminateGroup(pgid)
	select {
	case err := <-w.exited:
		w.exited <- err
	case <-time.After(5 * time.Second):
	}
	_ = procutil.KillGroup(pgid)
}

func (w *worker) tail() string {
	lines := strings.Split(strings.TrimRight(w.out.String(), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

var errNoWorker = errors.New("the project has no Worker (set [answers] wrangler_config)")

// syncBuffer keeps the Worker's output while it runs, for error messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
