package parity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
)

// worker is the project's Worker under `wrangler dev`, started from the model's
// own answers service (mode worker): the same command, env and dir `up` uses,
// and through the same spawn, readiness and stop path (orchestrate.Child).
type worker struct {
	child *orchestrate.Child
	out   *tailBuffer
	URL   string
}

// startWorker starts svc and returns once its probe (GET /healthz) answers as
// `up` requires (below 500), or with an error carrying its last output.
func startWorker(ctx context.Context, svc project.Service, timeout time.Duration) (*worker, error) {
	spec := orchestrate.ServiceSpec{Service: svc}
	spec.Probe.Timeout = timeout
	w := &worker{out: &tailBuffer{}, URL: svc.URL}
	child, err := orchestrate.StartChild(spec, orchestrate.ChildOptions{Out: w.out})
	if err != nil {
		return nil, fmt.Errorf("starting the Worker: %w", err)
	}
	w.child = child
	if err := child.WaitReady(ctx); err != nil {
		w.stop()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("the Worker: %w:\n%s", err, w.tail())
	}
	return w, nil
}

// stop ends the Worker's process group through the stop ladder (workerd and
// esbuild go with node).
func (w *worker) stop() { w.child.Stop(zerolog.Nop()) }

func (w *worker) tail() string {
	lines := strings.Split(strings.TrimRight(w.out.String(), "\n"), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	return strings.Join(lines, "\n")
}

var errNoWorker = errors.New("the project has no Worker (set [answers] wrangler_config)")

// tailBuffer keeps the end of the Worker's output while it runs, for error
// messages; it holds at most tailBytes, so a chatty Worker costs no memory.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

const tailBytes = 64 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - tailBytes; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
