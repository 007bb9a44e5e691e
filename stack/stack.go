// Package stack runs the whole local stack for `arena-dev up`: it opens the KV
// emulator for the project's answers namespace, serves the wine-answers API in
// process, and hands it with the configured dev servers to the supervisor.
package stack

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
)

// Options configure one run of the stack.
type Options struct {
	Project   *config.Project
	PersistTo string // overrides the project's persist root
	Ephemeral bool   // a throwaway state dir, seeded fresh and removed at the end
	Logger    zerolog.Logger
	Output    io.Writer // services' prefixed lines
	LogFormat svclog.LogFormat
	Color     svclog.ColorMode
	// Ready, when set, is called once every service is ready (the status table).
	Ready func(statuses []orchestrate.ServiceStatus)
}

// RunDir is where a project's run file and logs live: beside wrangler's own state.
func RunDir(projectDir string) string {
	return filepath.Join(projectDir, ".wrangler", "arena-dev")
}

// LogDir holds one log file per service.
func LogDir(projectDir string) string { return filepath.Join(RunDir(projectDir), "logs") }

// Run starts the stack and blocks until ctx ends or SIGINT, SIGTERM or SIGHUP
// arrives (then stops everything; a second signal kills at once), or until the
// stack cannot run at all.
func Run(ctx context.Context, o Options) error {
	p := o.Project
	// Refuse early, before touching state, when another arena-dev runs here.
	if rf, err := orchestrate.LiveOwner(RunDir(p.Dir)); err != nil {
		return err
	} else if rf != nil {
		return &orchestrate.AlreadyRunningError{RunDir: RunDir(p.Dir), PID: rf.PID}
	}
	// No live owner: an ephemeral dir still here is left over from a killed run.
	ephemeral := filepath.Join(RunDir(p.Dir), "ephemeral-state")
	if err := os.RemoveAll(ephemeral); err != nil {
		return fmt.Errorf("removing leftover ephemeral state: %w", err)
	}
	persist := o.PersistTo
	if o.Ephemeral {
		if err := os.MkdirAll(ephemeral, 0o755); err != nil {
			return fmt.Errorf("ephemeral state dir: %w", err)
		}
		defer os.RemoveAll(ephemeral)
		persist = ephemeral
		o.Logger.Info().Str("dir", ephemeral).Msg("ephemeral state: seeded fresh, removed at exit")
	}
	ns, err := OpenAnswers(p, persist)
	if err != nil {
		return err
	}
	defer ns.Close()

	specs, err := p.Specs()
	if err != nil {
		return err
	}
	specs = append([]orchestrate.ServiceSpec{answersSpec(p, ns)}, specs...)
	sup, err := orchestrate.New(specs, orchestrate.Options{
		RunDir:    RunDir(p.Dir),
		LogDir:    LogDir(p.Dir),
		Output:    o.Output,
		LogFormat: o.LogFormat,
		Color:     o.Color,
		Logger:    &o.Logger,
	})
	if err != nil {
		return err
	}
	if o.Ready != nil {
		go func() {
			select {
			case <-sup.Ready():
				o.Ready(sup.Status())
			case <-sup.Done():
			}
		}()
	}
	return sup.RunUntilSignal(ctx)
}
