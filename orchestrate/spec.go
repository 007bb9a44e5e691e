// Package orchestrate supervises the stack's services: child processes (PartyKit,
// Astro) each in its own process group, and in-process services (the answers API).
// It starts them in dependency order once their dependencies are ready, restarts
// them with backoff, prefixes and files their logs, records them in a run file so a
// later run can reap survivors, and stops them in logged stages.
package orchestrate

import (
	"context"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/project"
)

// ServiceSpec is one service of the stack as the model resolved it, plus, for the
// in-process answers API, the function that runs it. A child process has
// Command; an in-process service has Run.
type ServiceSpec struct {
	project.Service

	// Run blocks until ctx is cancelled; it calls ready() once it serves, and
	// writes its log lines to log (prefixed and filed like a child's).
	Run func(ctx context.Context, ready func(), log LineWriter) error
}

// LineWriter takes an in-process service's whole log lines.
type LineWriter = svclog.LineWriter
