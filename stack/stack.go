// Package stack runs the whole local stack for `arena-dev up`: it opens the KV
// emulator for the project's answers namespace, serves the wine-answers API in
// process, and hands it with the configured dev servers to the supervisor. It
// reads everything from the resolved project and derives nothing itself.
package stack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Options configure one run of the stack.
type Options struct {
	Project   *project.Project
	Logger    zerolog.Logger
	Output    io.Writer // services' prefixed lines
	LogFormat svclog.LogFormat
	Color     svclog.ColorMode
	// Ready, when set, is called once every service is ready (the status table).
	Ready func(statuses []runstate.ServiceStatus)
	// Fixtures, when set, loads `up --fixtures` into the namespace once it is
	// open, before the services start (so before seeding and the start snapshot).
	Fixtures func(ns *emulator.Namespace) error
}

// Run starts the stack and blocks until ctx ends or SIGINT, SIGTERM or SIGHUP
// arrives (then stops everything; a second signal kills at once), or until the
// stack cannot run at all.
func Run(ctx context.Context, o Options) error {
	p := o.Project
	// Refuse early, before touching state, when another arena-dev runs here.
	if rf, err := runstate.LiveOwner(p.RunDir); err != nil {
		return err
	} else if rf != nil {
		return &runstate.AlreadyRunningError{RunDir: p.RunDir, PID: rf.PID}
	}
	if err := Preflight(p); err != nil {
		return err
	}
	var ctl *orchestrate.Supervisor // bound below; the answers API mounts its control API
	// No live owner: an ephemeral dir still here is left over from a killed run.
	ephemeral := filepath.Join(p.RunDir, "ephemeral-state")
	if err := os.RemoveAll(ephemeral); err != nil {
		return fmt.Errorf("removing leftover ephemeral state: %w", err)
	}
	if p.Answers.Ephemeral {
		if err := os.MkdirAll(p.Answers.PersistRoot, 0o755); err != nil {
			return fmt.Errorf("ephemeral state dir: %w", err)
		}
		defer os.RemoveAll(p.Answers.PersistRoot)
		o.Logger.Info().Str("dir", p.Answers.PersistRoot).Msg("ephemeral state: seeded fresh, removed at exit")
	}
	ns, err := OpenAnswers(p.Answers)
	if err != nil {
		return err
	}
	defer ns.Close()
	ns.RunDir = p.RunDir // snapshots, and the start state POST /_arena/reset restores
	if o.Fixtures != nil {
		if err := o.Fixtures(ns.Namespace); err != nil {
			return err
		}
	}
	if err := seedForWorker(p, ns, o.Logger); err != nil {
		return err
	}

	if err := os.MkdirAll(p.RunDir, 0o755); err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	ln, endpoint, err := control.Listen(p.RunDir)
	if err != nil {
		return err
	}
	defer ln.Close()
	model, err := p.JSON()
	if err != nil {
		return err
	}
	sup, err := orchestrate.New(Specs(p, ns, func() *orchestrate.Supervisor { return ctl }), orchestrate.Options{
		RunDir:    p.RunDir,
		LogDir:    p.LogDir,
		Output:    o.Output,
		LogFormat: o.LogFormat,
		Color:     o.Color,
		Logger:    &o.Logger,
		Control:   endpoint,
		Project:   model,
	})
	if err != nil {
		return err
	}
	ctl = sup
	api := &http.Server{Handler: control.RequireToken(control.Handler(sup, sup.Done()), endpoint), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = api.Serve(ln) }()
	defer api.Close()
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

// Specs are the supervisor's specs: the model's services as they are, the answers
// API with the function that serves it over ns (and the control API of sup under
// /_arena/api/).
func Specs(p *project.Project, ns *Answers, sup func() *orchestrate.Supervisor) []orchestrate.ServiceSpec {
	specs := make([]orchestrate.ServiceSpec, 0, len(p.Services))
	for _, s := range p.Services {
		spec := orchestrate.ServiceSpec{Service: s}
		if s.InProcess {
			spec.Run = answersRun(p.Answers, ns, sup)
		}
		specs = append(specs, spec)
	}
	return specs
}

// Preflight checks, before anything starts or any state is created, that every
// enabled service's program is there (and, in worker mode, the Node wrangler
// needs). A missing program is the configuration's fault: a *project.UsageError
// (wrapping orchestrate's *MissingProgramError).
func Preflight(p *project.Project) error {
	if err := orchestrate.CheckPrograms(Specs(p, nil, nil)); err != nil {
		return &project.UsageError{Err: err}
	}
	return checkWorkerNode(p)
}
