package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// service is one supervised service: its spec, its status and the channels its run
// loop and the stop coordinator talk through.
type service struct {
	spec      ServiceSpec
	st        ServiceStatus // guarded by Supervisor.mu
	everReady bool          // guarded by Supervisor.mu

	readyCh   chan struct{} // closed the first time it is Ready
	failedCh  chan struct{} // closed when it is given up on
	stopCh    chan struct{} // closed when it is this service's turn to stop
	doneCh    chan struct{} // closed when its run loop returned
	readyOnce sync.Once
	failOnce  sync.Once
	stopOnce  sync.Once
	restarts  []time.Time // restart times within the window
}

func newService(spec ServiceSpec) *service {
	url := spec.URL
	if url == "" && spec.Port != 0 {
		url = fmt.Sprintf("http://127.0.0.1:%d", spec.Port)
	}
	return &service{
		spec:    spec,
		st:      ServiceStatus{Name: spec.Name, State: StatePending, Port: spec.Port, URL: url, Since: time.Now()},
		readyCh: make(chan struct{}), failedCh: make(chan struct{}),
		stopCh: make(chan struct{}), doneCh: make(chan struct{}),
	}
}

func (sv *service) stopping() bool {
	select {
	case <-sv.stopCh:
		return true
	default:
		return false
	}
}

// attempt holds what one start of a service observes in its log lines.
type attempt struct {
	matched   chan struct{} // a line matched the log probe, or an in-process Run called ready()
	matchOnce sync.Once
	failLine  chan string // a line matched a FailPattern
}

func (a *attempt) markReady() { a.matchOnce.Do(func() { close(a.matched) }) }

func (a *attempt) observe(spec ServiceSpec) func(string) {
	return func(line string) {
		if spec.Probe.Kind == ProbeLog && spec.Probe.Pattern.MatchString(line) {
			a.markReady()
		}
		for _, p := range spec.FailPatterns {
			if p.MatchString(line) {
				select {
				case a.failLine <- line:
				default:
				}
				return
			}
		}
	}
}

// observedLog is an in-process service's LineWriter: filed and prefixed like a
// child's lines, and seen by its probe and fail patterns.
type observedLog struct {
	l       *svclog.Logs
	name    string
	observe func(string)
}

func (o observedLog) WriteLine(line string) {
	for _, ln := range strings.Split(strings.TrimRight(line, "\n"), "\n") {
		o.l.Line(o.name, "log", ln)
		o.observe(svclog.StripANSI(ln))
	}
}

// runService is the service's run loop: wait for dependencies, start, watch,
// restart with backoff or give up, and stop when told. Every change is published.
func (s *Supervisor) runService(sv *service) {
	defer close(sv.doneCh)
	spec := sv.spec
	for _, d := range spec.DependsOn {
		dep := s.svcs[d]
		select {
		case <-dep.readyCh:
		case <-dep.failedCh:
			s.set(sv, StateFailed, fmt.Sprintf("dependency %s failed", d))
			return
		case <-dep.doneCh:
			s.set(sv, StateFailed, fmt.Sprintf("dependency %s ended before it was ready", d))
			return
		case <-sv.stopCh:
			s.set(sv, StateStopped, "")
			return
		}
	}
	for {
		att := &attempt{matched: make(chan struct{}), failLine: make(chan string, 1)}
		r := s.newRunner(sv, att)
		s.set(sv, StateStarting, "")
		var exitErr error
		if err := r.start(); err != nil {
			exitErr = fmt.Errorf("could not start: %w", err)
			s.logs.Note(spec.Name, exitErr.Error())
			s.log.Error().Str("service", spec.Name).Err(exitErr).Msg("start failed")
		} else {
			s.mu.Lock()
			sv.st.PID, sv.st.PGID, sv.st.StartTicks = r.pid(), r.pgid(), r.startTicks()
			s.mu.Unlock()
			s.log.Info().Str("service", spec.Name).Int("pid", r.pid()).Int("pgid", r.pgid()).Msg("started")
			s.logs.Note(spec.Name, fmt.Sprintf("started pid %d, process group %d", r.pid(), r.pgid()))
			var final bool
			exitErr, final = s.watch(sv, r, att)
			if final {
				return
			}
		}
		if !s.afterExit(sv, exitErr) {
			return
		}
	}
}

// watch follows one started attempt until it exits (returning its error) or it is
// stopped or given up on (final).
func (s *Supervisor) watch(sv *service, r runner, att *attempt) (exitErr error, final bool) {
	spec := sv.spec
	probe := spec.Probe
	if spec.Run != nil && probe.Kind == ProbeNone {
		probe.Kind = ProbeLog // an in-process service is ready when it calls ready()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readyErr := make(chan error, 1)
	go func() { readyErr <- waitReady(ctx, probe, att.matched) }()
	for {
		select {
		case <-r.done():
			err := r.exitErr()
			if err == nil {
				err = errExitedZero
			}
			return err, false
		case err := <-readyErr:
			readyErr = nil
			if err == nil {
				s.set(sv, StateReady, "")
				continue
			}
			s.set(sv, StateStopping, "readiness: "+err.Error())
			s.stopRunner(sv, r, "not ready")
			s.set(sv, StateFailed, "readiness: "+err.Error())
			return nil, true
		case line := <-att.failLine:
			msg := "fatal log line: " + strings.TrimSpace(line)
			s.set(sv, StateStopping, msg)
			s.stopRunner(sv, r, "fatal log line")
			s.set(sv, StateFailed, msg)
			return nil, true
		case <-sv.stopCh:
			s.set(sv, StateStopping, "")
			s.stopRunner(sv, r, "stack stopping")
			s.set(sv, StateStopped, "")
			return nil, true
		}
	}
}

// errExitedZero marks a clean exit; restart policies tell it from a failure.
var errExitedZero = errors.New("exited with status 0")

// afterExit cleans up after an attempt ended on its own and decides whether to
// start again (true) after the backoff, or to stop here.
func (s *Supervisor) afterExit(sv *service, exitErr error) bool {
	spec := sv.spec
	s.mu.Lock()
	pgid := sv.st.PGID
	s.mu.Unlock()
	if pgid > 0 && procutil.GroupAlive(pgid) {
		// The leader is gone but its group lives on (workerd after node): clear it
		// so a restart finds the port free.
		s.log.Warn().Str("service", spec.Name).Int("pgid", pgid).Msg("leader exited; stopping what is left of its group")
		stopLadder(groupTarget(pgid), spec.StopTimeout, s.forceCh, s.log.With().Str("service", spec.Name).Logger(), nil)
	}
	clean := errors.Is(exitErr, errExitedZero)
	msg := exitErr.Error()
	s.logs.Note(spec.Name, msg)
	switch {
	case sv.stopping():
		s.set(sv, StateStopped, msg)
		return false
	case spec.Restart == RestartNo && clean, spec.Restart == RestartOnFailure && clean:
		s.set(sv, StateStopped, msg)
		return false
	case spec.Restart == RestartNo:
		s.set(sv, StateFailed, msg)
		return false
	}
	now := time.Now()
	kept := sv.restarts[:0]
	for _, t := range sv.restarts {
		if now.Sub(t) < spec.Window {
			kept = append(kept, t)
		}
	}
	sv.restarts = kept
	if len(sv.restarts) >= spec.MaxRestarts {
		s.set(sv, StateFailed, fmt.Sprintf("gave up after %d restarts within %s; last: %s", len(sv.restarts), spec.Window, msg))
		return false
	}
	sv.restarts = append(sv.restarts, now)
	delay := spec.Backoff << (len(sv.restarts) - 1)
	if delay > spec.BackoffMax || delay <= 0 {
		delay = spec.BackoffMax
	}
	s.set(sv, StateRestarting, msg, func(st *ServiceStatus) { st.Restarts++ })
	s.log.Warn().Str("service", spec.Name).Str("exit", msg).Dur("backoff", delay).Msg("restarting")
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case <-sv.stopCh:
		s.set(sv, StateStopped, msg)
		return false
	case <-timer.C:
		return true
	}
}

func (s *Supervisor) newRunner(sv *service, att *attempt) runner {
	observe := att.observe(sv.spec)
	if sv.spec.Run != nil {
		return newInprocRunner(sv.spec, observedLog{s.logs, sv.spec.Name, observe}, att.markReady)
	}
	return newChildRunner(sv.spec,
		s.logs.Writer(sv.spec.Name, "stdout", observe),
		s.logs.Writer(sv.spec.Name, "stderr", observe))
}

// stopRunner stops one attempt through the stop ladder: SIGTERM to its group (or
// cancelling an in-process service), up to StopTimeout (cut short by Kill), SIGKILL.
func (s *Supervisor) stopRunner(sv *service, r runner, why string) {
	name := sv.spec.Name
	t := stopTarget{what: fmt.Sprintf("process group %d", r.pgid()), terminate: r.terminate, kill: r.kill, gone: r.gone}
	if r.pgid() == 0 {
		t.what, t.kill = "in-process service", nil
	}
	log := s.log.With().Str("service", name).Str("reason", why).Logger()
	stopLadder(t, sv.spec.StopTimeout, s.forceCh, log, func(msg string) { s.logs.Note(name, "stop ("+why+"): "+msg) })
}
