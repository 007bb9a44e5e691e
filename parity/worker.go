package parity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
)

// worker is the project's Worker under `wrangler dev`, started from the model's
// own answers service (mode worker): the same command, env and dir `up` uses,
// and through the same spawn, readiness and stop path (orchestrate.Child).
type worker struct {
	child *orchestrate.Child
	out   *svclog.Tail
	URL   string
}

// startWorker starts svc and returns once its probe (GET /healthz) answers as
// `up` requires (below 500), or with an error carrying its last output.
func startWorker(ctx context.Context, svc project.Service, timeout time.Duration) (*worker, error) {
	spec := orchestrate.ServiceSpec{Service: svc}
	spec.Probe.Timeout = timeout
	w := &worker{out: &svclog.Tail{Max: 64 << 10}, URL: svc.URL}
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
		return nil, fmt.Errorf("the Worker: %w:\n%s", err, w.out.LastLines(15))
	}
	return w, nil
}

// stop ends the Worker's process group through the stop ladder (workerd and
// esbuild go with node).
func (w *worker) stop() { w.child.Stop(zerolog.Nop()) }

var errNoWorker = errors.New("the project has no Worker (set [answers] wrangler_config)")
