package orchestrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// Options configure a Supervisor.
type Options struct {
	// RunDir holds run.json and its lock (typically <project>/.wrangler/arena-dev).
	// "" disables the run file, the one-owner check and survivor reaping.
	RunDir string
	// LogDir gets <service>.log per service; "" = no files.
	LogDir string
	// Output receives every service's prefixed lines; nil = os.Stdout.
	Output    io.Writer
	LogFormat svclog.LogFormat
	Color     svclog.ColorMode
	// Logger gets the supervisor's own messages (stages of stopping, restarts,
	// reaping); nil = discard.
	Logger *zerolog.Logger
	// Control, when set, is recorded in the run file: where the control API of
	// this stack listens.
	Control *runstate.ControlEndpoint
	// Token, when set, is recorded in the run file: the stack's token for the
	// answers port's /_arena (docs/security.md).
	Token string
	// Project, when set, is recorded in the run file: the resolved model this
	// stack runs, so a second `up --wait` can tell whether it asks for the same.
	Project json.RawMessage
}

// Supervisor runs a stack of services; see the package comment.
type Supervisor struct {
	specs []ServiceSpec // start order
	opts  Options
	log   zerolog.Logger

	mu      sync.Mutex
	svcs    map[string]*service
	order   []*service
	subs    map[*subscriber]struct{}
	allUp   bool
	failErr error
	started bool
	exitErr string
	closing bool             // the stack is stopping: Apply adds nothing more (apply.go)
	applyMu sync.Mutex       // one Apply or Refresh at a time
	last    *runstate.Change // the last change applied to the running stack

	readyCh   chan struct{}
	failCh    chan struct{}
	runningCh chan struct{} // closed once the services' loops run
	changed   chan struct{} // closed and replaced on every state change
	forceCh   chan struct{}
	doneCh    chan struct{}
	force     sync.Once

	fileMu sync.Mutex
	runf   *runstate.RunFile
	logs   *svclog.Logs

	trk tracker // the services' descendants outside their groups (escapees.go)
}

// New validates the specs (names, commands, unknown depends_on, cycles, duplicate
// ports, probes) and prepares a Supervisor; nothing starts until Run.
func New(specs []ServiceSpec, opts Options) (*Supervisor, error) {
	ordered, err := validate(specs)
	if err != nil {
		return nil, err
	}
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	s := &Supervisor{
		specs: ordered, opts: opts, log: zerolog.Nop(),
		svcs: map[string]*service{}, subs: map[*subscriber]struct{}{},
		readyCh: make(chan struct{}), failCh: make(chan struct{}),
		runningCh: make(chan struct{}), changed: make(chan struct{}),
		forceCh: make(chan struct{}), doneCh: make(chan struct{}),
		trk: tracker{self: procutil.Self(), marks: map[procutil.Ref]string{}, escaped: map[procutil.Ref]bool{}},
	}
	if opts.Logger != nil {
		s.log = *opts.Logger
	}
	for _, sp := range ordered {
		sv := newService(sp)
		s.svcs[sp.Name] = sv
		s.order = append(s.order, sv)
	}
	return s, nil
}

// Run checks ports, claims the run directory (refusing when a live arena-dev owns
// it, reaping the survivors of a dead one), starts the services in dependency
// order and supervises them until ctx ends; then it stops them in reverse
// dependency order (SIGTERM to each group, StopTimeout, SIGKILL) and returns.
// It returns early with an error when nothing could start, and nil after a stop
// requested through ctx.
func (s *Supervisor) Run(ctx context.Context) (err error) {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("supervisor: Run called twice")
	}
	s.started = true
	s.mu.Unlock()
	defer close(s.doneCh)

	release, err := s.claimRunDir()
	if err != nil {
		s.noteFailure(err)
		return err
	}
	defer release()
	defer func() { // before release, so the run file records why
		if err != nil {
			s.noteFailure(err)
		}
	}()
	if err := PreflightPorts(s.specs); err != nil {
		return err
	}
	names := make([]string, len(s.specs))
	for i, sp := range s.specs {
		names[i] = sp.Name
	}
	logs, err := svclog.NewLogs(s.opts.Output, s.opts.LogFormat, s.opts.Color, s.opts.LogDir, names)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.logs = logs
	s.mu.Unlock()
	defer s.logs.Close()
	s.persist()
	stopWatch := s.startTreeWatch()

	for _, sv := range s.order {
		go s.runService(sv)
	}
	close(s.runningCh)
	allDone := s.loopsDone()
	select {
	case <-ctx.Done():
		s.log.Info().Msg("stopping the stack")
	case <-allDone:
	case <-s.allEnded():
		s.log.Info().Msg("every service ended by itself; stopping")
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.stopAll()
	<-allDone
	s.sweepMarked()
	stopWatch()
	return s.summary(ctx)
}

// allEnded is closed once no service runs or will run by itself: each failed, or
// stopped without anyone asking (disabled services and those stopped by hand mean
// someone is steering, and the stack waits for them).
func (s *Supervisor) allEnded() <-chan struct{} {
	ended := make(chan struct{})
	go func() {
		for {
			s.mu.Lock()
			changed, done := s.changed, true
			for _, sv := range s.order {
				st := sv.st
				final := st.State == runstate.StateFailed || (st.State == runstate.StateStopped && st.LastError != stoppedByHand && !sv.spec.Disabled)
				if !final {
					done = false
				}
			}
			s.mu.Unlock()
			if done {
				close(ended)
				return
			}
			select {
			case <-changed:
			case <-s.doneCh:
				return
			}
		}
	}()
	return ended
}

// claimRunDir takes the run directory's lock, refuses a live owner and reaps a dead
// one's survivors. The returned func marks the run file exited and unlocks.
func (s *Supervisor) claimRunDir() (release func(), err error) {
	dir := s.opts.RunDir
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run directory lock: %w", err)
	}
	if err := procutil.LockFile(lock); err != nil {
		lock.Close()
		if rf, _ := runstate.LiveOwner(dir); rf != nil {
			return nil, &runstate.AlreadyRunningError{RunDir: dir, PID: rf.PID}
		}
		return nil, fmt.Errorf("arena-dev is already running here (%s is locked)", lock.Name())
	}
	if _, err := ReapSurvivors(dir, s.log); err != nil {
		lock.Close()
		return nil, err
	}
	s.fileMu.Lock()
	s.runf = &runstate.RunFile{PID: os.Getpid(), StartTicks: procutil.StartTicks(os.Getpid()),
		Command: strings.Join(os.Args, " "), Started: time.Now(),
		Control: s.opts.Control, Token: s.opts.Token, Project: s.opts.Project}
	s.fileMu.Unlock()
	return func() {
		s.mu.Lock()
		s.exitErr = firstNonEmpty(s.exitErr, "stopped")
		s.mu.Unlock()
		s.persistFinal()
		lock.Close()
	}, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// stopAll closes each service's stop channel once all its dependents have ended
// (reverse dependency order), or at once for everyone after Kill.
func (s *Supervisor) stopAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sv := range s.order {
		var dependents []*service
		for _, other := range s.order {
			for _, d := range other.spec.DependsOn {
				if d == sv.spec.Name {
					dependents = append(dependents, other)
				}
			}
		}
		go func(sv *service, dependents []*service) {
			for _, d := range dependents {
				select {
				case <-d.doneCh:
				case <-s.forceCh:
				}
			}
			sv.stopOnce.Do(func() { close(sv.stopCh) })
		}(sv, dependents)
	}
}

// Kill forces the stop: waits for StopTimeout end at once with SIGKILL to every
// group, and ordering is dropped. Call it on a second interrupt.
func (s *Supervisor) Kill() {
	s.force.Do(func() {
		s.log.Warn().Msg("forced stop: SIGKILL to every process group")
		close(s.forceCh)
	})
}

// Ready is closed once every service has been ready at the same time.
func (s *Supervisor) Ready() <-chan struct{} { return s.readyCh }

// Done is closed when Run has returned.
func (s *Supervisor) Done() <-chan struct{} { return s.doneCh }

// Logs is the stack's log output (nil before Run set it up).
func (s *Supervisor) Logs() *svclog.Logs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs
}

// Status returns every service's state, in start order.
func (s *Supervisor) Status() []runstate.ServiceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]runstate.ServiceStatus, len(s.order))
	for i, sv := range s.order {
		out[i] = sv.st
	}
	return out
}

// noteFailure records the first failure before the stack was ready.
func (s *Supervisor) noteFailure(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failBeforeReadyLocked(err)
}

// summary is Run's result once everything ended.
func (s *Supervisor) summary(ctx context.Context) error {
	if ctx.Err() != nil {
		return nil
	}
	var failed []string
	for _, st := range s.Status() {
		if st.State == runstate.StateFailed {
			failed = append(failed, st.Name+": "+st.LastError)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("every service ended; failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// persist rewrites the run file with the current states. fileMu is taken before
// the snapshot so a later state is never overwritten by an earlier one.
func (s *Supervisor) persist() {
	s.fileMu.Lock()
	defer s.fileMu.Unlock()
	s.guardUpdate() // under fileMu, so the guardian too never gets an older state last
	if s.runf == nil {
		return
	}
	s.mu.Lock()
	s.runf.Ready, s.runf.Error = s.allUp, ""
	if s.failErr != nil {
		s.runf.Error = s.failErr.Error()
	}
	s.runf.Services = make([]runstate.ServiceStatus, len(s.order))
	for i, sv := range s.order {
		s.runf.Services[i] = sv.st
	}
	s.mu.Unlock()
	s.runf.Updated = time.Now()
	if err := runstate.WriteRunFile(s.opts.RunDir, s.runf); err != nil {
		s.log.Error().Err(err).Msg("writing the run file")
	}
}

func (s *Supervisor) persistFinal() {
	s.persist()
	s.fileMu.Lock()
	defer s.fileMu.Unlock()
	if s.runf == nil {
		return
	}
	s.mu.Lock()
	s.runf.Exited, s.runf.Error = true, s.exitErr
	s.mu.Unlock()
	s.runf.Updated = time.Now()
	if err := runstate.WriteRunFile(s.opts.RunDir, s.runf); err != nil {
		s.log.Error().Err(err).Msg("writing the run file")
	}
}
