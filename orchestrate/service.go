package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
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
	st        runstate.ServiceStatus // guarded by Supervisor.mu
	everReady bool                   // guarded by Supervisor.mu

	readyCh   chan struct{} // closed the first time it is Ready
	failedCh  chan struct{} // closed when it is given up on
	stopCh    chan struct{} // closed when it is this service's turn to stop
	doneCh    chan struct{} // closed when its run loop returned
	readyOnce sync.Once
	failOnce  sync.Once
	stopOnce  sync.Once
	restarts  []time.Time // restart times within the window

	ctl     chan command // requests from the control plane (Supervisor.Control)
	pending []chan error // replies owed once the next attempt has started
}

func newService(spec ServiceSpec) *service {
	url := spec.URL
	if url == "" && spec.Port != 0 {
		url = fmt.Sprintf("http://127.0.0.1:%d", spec.Port)
	}
	return &service{
		spec:    spec,
		st:      runstate.ServiceStatus{Name: spec.Name, State: runstate.StatePending, Port: spec.Port, URL: url, Since: time.Now(), Disabled: spec.Disabled},
		readyCh: make(chan struct{}), failedCh: make(chan struct{}),
		stopCh: make(chan struct{}), doneCh: make(chan struct{}),
		ctl: make(chan command),
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
		if spec.Probe.Kind == project.ProbeLog && spec.Probe.Pattern.MatchString(line) {
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
// restart with backoff or give up, and stop when told; stopped or failed, wait for
// the control plane to start it again. Every change is published.
func (s *Supervisor) runService(sv *service) {
	defer close(sv.doneCh)
	defer sv.answer(errors.New("the stack is stopping"))
	if sv.spec.Disabled {
		s.set(sv, runstate.StateStopped, "not started: "+sv.spec.DisabledWhy)
		if !s.idle(sv) {
			return
		}
	}
	for {
		if s.waitDeps(sv) {
			s.attempts(sv)
		}
		if !s.idle(sv) {
			return
		}
	}
}

// waitDeps waits until every dependency is ready; false (and the service Failed
// or Stopped) when one failed or stopped first, or the stack is stopping.
func (s *Supervisor) waitDeps(sv *service) bool {
	for {
		s.mu.Lock()
		changed := s.changed
		var waiting bool
		var bad string
		for _, d := range sv.spec.DependsOn {
			switch st := s.svcs[d].st; {
			case st.State == runstate.StateReady:
			case st.State == runstate.StateFailed:
				bad = fmt.Sprintf("dependency %s failed", d)
			case st.State == runstate.StateStopped && s.svcs[d].everReady:
				bad = fmt.Sprintf("dependency %s is stopped", d)
			case st.State == runstate.StateStopped && !s.svcs[d].spec.Disabled:
				bad = fmt.Sprintf("dependency %s ended before it was ready", d)
			default:
				waiting = true
			}
		}
		s.mu.Unlock()
		if bad != "" {
			sv.answer(errors.New(bad))
			s.set(sv, runstate.StateFailed, bad)
			return false
		}
		if !waiting {
			return true
		}
		select {
		case <-changed:
		case <-sv.stopCh:
			s.set(sv, runstate.StateStopped, "")
			return false
		case c := <-sv.ctl:
			if c.op == runstate.OpStop {
				s.set(sv, runstate.StateStopped, stoppedByHand)
				c.reply <- nil
				return false
			}
			sv.pending = append(sv.pending, c.reply) // answered once it starts
		}
	}
}

// idle waits, stopped or failed, for a start or restart (true) or the stack's
// stop (false). Starting by hand resets the restart count.
func (s *Supervisor) idle(sv *service) bool {
	for {
		select {
		case <-sv.stopCh:
			return false
		case c := <-sv.ctl:
			if c.op == runstate.OpStop {
				c.reply <- nil // already not running
				continue
			}
			sv.restarts = nil
			s.mu.Lock()
			sv.st.Restarts = 0
			s.mu.Unlock()
			sv.pending = append(sv.pending, c.reply)
			return true
		}
	}
}

// answer replies to the control requests waiting for this service to start.
func (sv *service) answer(err error) {
	for _, r := range sv.pending {
		r <- err
	}
	sv.pending = nil
}

// stoppedByHand is the LastError of a service stopped through the control plane.
const stoppedByHand = "stopped by hand"

// attempts starts the service and restarts it by its policy until it is stopped
// or given up on.
func (s *Supervisor) attempts(sv *service) {
	spec := sv.spec
	for {
		att := &attempt{matched: make(chan struct{}), failLine: make(chan string, 1)}
		r := s.newRunner(sv, att)
		s.set(sv, runstate.StateStarting, "")
		var exitErr error
		if err := r.start(); err != nil {
			exitErr = fmt.Errorf("could not start: %w", err)
			sv.answer(exitErr)
			s.logs.Note(spec.Name, exitErr.Error())
			s.log.Error().Str("service", spec.Name).Err(exitErr).Msg("start failed")
		} else {
			// Recorded at once: an arena-dev killed while this starts must leave
			// a run file that names the group, so down and the next up reap it.
			s.mu.Lock()
			sv.st.PID, sv.st.PGID, sv.st.StartTicks, sv.st.Started = r.pid(), r.pgid(), r.startTicks(), time.Now()
			s.mu.Unlock()
			s.persist()
			sv.answer(nil)
			s.log.Info().Str("service", spec.Name).Int("pid", r.pid()).Int("pgid", r.pgid()).Msg("started")
			s.logs.Note(spec.Name, fmt.Sprintf("started pid %d, process group %d", r.pid(), r.pgid()))
			var out outcome
			exitErr, out = s.watch(sv, r, att)
			switch out {
			case outcomeFinal:
				return
			case outcomeRestart:
				continue
			}
		}
		if !s.afterExit(sv, exitErr) {
			return
		}
	}
}

// outcome is how watch ended.
type outcome int

const (
	outcomeExited  outcome = iota // the attempt exited by itself
	outcomeFinal                  // stopped or given up on: no more attempts
	outcomeRestart                // restarted by hand: start again at once
)

// watch follows one started attempt until it exits (returning its error), is
// stopped or given up on, or is restarted by hand.
func (s *Supervisor) watch(sv *service, r runner, att *attempt) (error, outcome) {
	spec := sv.spec
	probe := spec.Probe
	if spec.Run != nil && probe.Kind == project.ProbeNone {
		probe.Kind = project.ProbeLog // an in-process service is ready when it calls ready()
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
			return err, outcomeExited
		case err := <-readyErr:
			readyErr = nil
			if err == nil {
				s.set(sv, runstate.StateReady, "")
				continue
			}
			s.set(sv, runstate.StateStopping, "readiness: "+err.Error())
			s.stopRunner(sv, r, "not ready")
			s.set(sv, runstate.StateFailed, "readiness: "+err.Error())
			return nil, outcomeFinal
		case line := <-att.failLine:
			msg := "fatal log line: " + strings.TrimSpace(line)
			s.set(sv, runstate.StateStopping, msg)
			s.stopRunner(sv, r, "fatal log line")
			s.set(sv, runstate.StateFailed, msg)
			return nil, outcomeFinal
		case <-sv.stopCh:
			s.set(sv, runstate.StateStopping, "")
			s.stopRunner(sv, r, "stack stopping")
			s.set(sv, runstate.StateStopped, "")
			return nil, outcomeFinal
		case c := <-sv.ctl:
			switch c.op {
			case runstate.OpStart:
				c.reply <- nil // already running
			case runstate.OpStop:
				s.set(sv, runstate.StateStopping, stoppedByHand)
				s.stopRunner(sv, r, stoppedByHand)
				s.set(sv, runstate.StateStopped, stoppedByHand)
				c.reply <- nil
				return nil, outcomeFinal
			case runstate.OpRestart:
				s.set(sv, runstate.StateStopping, "restarting by hand")
				s.stopRunner(sv, r, "restart by hand")
				// Counted as a restart, but not against max_restarts: nothing crashed.
				s.set(sv, runstate.StateRestarting, "restarted by hand", func(st *runstate.ServiceStatus) { st.Restarts++ })
				sv.pending = append(sv.pending, c.reply)
				return nil, outcomeRestart
			}
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
	if pgid > 0 {
		s.scan()
		s.mu.Lock()
		strays := len(sv.st.Escaped)
		s.mu.Unlock()
		if strays > 0 || procutil.GroupAlive(pgid) {
			// The leader is gone but its group or escapees live on (workerd after
			// node, a setsid'd daemon): clear them so a restart finds the port free.
			s.log.Warn().Str("service", spec.Name).Int("pgid", pgid).Int("escaped", strays).Msg("leader exited; stopping what is left of its tree")
			stopLadder(s.coverEscapees(sv, groupTarget(pgid)), spec.StopTimeout, s.forceCh, s.log.With().Str("service", spec.Name).Logger(), nil)
		}
	}
	clean := errors.Is(exitErr, errExitedZero)
	msg := exitErr.Error()
	s.logs.Note(spec.Name, msg)
	switch {
	case sv.stopping():
		s.set(sv, runstate.StateStopped, msg)
		return false
	case spec.Restart == project.RestartNo && clean, spec.Restart == project.RestartOnFailure && clean:
		s.set(sv, runstate.StateStopped, msg)
		return false
	case spec.Restart == project.RestartNo:
		s.set(sv, runstate.StateFailed, msg)
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
		s.set(sv, runstate.StateFailed, fmt.Sprintf("gave up after %d restarts within %s; last: %s", len(sv.restarts), spec.Window, msg))
		return false
	}
	sv.restarts = append(sv.restarts, now)
	delay := spec.Backoff << (len(sv.restarts) - 1)
	if delay > spec.BackoffMax || delay <= 0 {
		delay = spec.BackoffMax
	}
	s.set(sv, runstate.StateRestarting, msg, func(st *runstate.ServiceStatus) { st.Restarts++ })
	s.log.Warn().Str("service", spec.Name).Str("exit", msg).Dur("backoff", delay).Msg("restarting")
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-sv.stopCh:
			s.set(sv, runstate.StateStopped, msg)
			return false
		case <-timer.C:
			return true
		case c := <-sv.ctl:
			if c.op == runstate.OpStop {
				s.set(sv, runstate.StateStopped, stoppedByHand)
				c.reply <- nil
				return false
			}
			sv.pending = append(sv.pending, c.reply) // start now, not after the backoff
			return true
		}
	}
}

func (s *Supervisor) newRunner(sv *service, att *attempt) runner {
	observe := att.observe(sv.spec)
	if sv.spec.Run != nil {
		return newInprocRunner(sv.spec, observedLog{s.logs, sv.spec.Name, observe}, att.markReady)
	}
	return newChildRunner(sv.spec, ownerValue(procutil.RefOf(s.trk.self), sv.spec.Name),
		s.logs.Writer(sv.spec.Name, "stdout", observe),
		s.logs.Writer(sv.spec.Name, "stderr", observe))
}

// stopRunner stops one attempt through the stop ladder: SIGTERM to its group (or
// cancelling an in-process service), up to StopTimeout (cut short by Kill), SIGKILL.
func (s *Supervisor) stopRunner(sv *service, r runner, why string) {
	name := sv.spec.Name
	t := runnerTarget(r)
	if r.pgid() == 0 {
		t.what, t.kill = "in-process service", nil
	} else {
		t = s.coverEscapees(sv, t)
	}
	log := s.log.With().Str("service", name).Str("reason", why).Logger()
	stopLadder(t, sv.spec.StopTimeout, s.forceCh, log, func(msg string) { s.logs.Note(name, "stop ("+why+"): "+msg) })
}
