package orchestrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// LastChange is the last change applied, nil when none was.
func (s *Supervisor) LastChange() *runstate.Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		return nil
	}
	c := *s.last
	return &c
}

// Apply makes the running stack run specs (the new model's, with the answers
// API's Run), as plan says: removed and disabled services stop in reverse
// dependency order; changed ones restart (no backoff, restart count reset), each
// once the dependencies restarted before it are ready; added ones start; the
// others are untouched and keep their process. Only one Apply or Refresh runs at
// a time. An error before anything acted (a bad spec, a taken port) changes
// nothing; otherwise a *runstate.PartlyAppliedError names what did not take.
func (s *Supervisor) Apply(ctx context.Context, specs []ServiceSpec, plan project.Plan, source string) error {
	ordered, err := validate(specs)
	if err != nil {
		return err
	}
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if err := s.mustRun(); err != nil {
		return err
	}
	next := map[string]ServiceSpec{}
	for _, sp := range ordered {
		next[sp.Name] = sp
	}
	if err := s.checkPlan(plan, next); err != nil {
		return err
	}
	var errs []error
	note := func(name string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	for _, c := range plan.Changes {
		if c.Action != project.ActStop {
			continue
		}
		why := "stopped: " + strings.Join(c.Reasons, "; ")
		if c.Removed {
			note(c.Service, s.remove(ctx, c.Service))
		} else {
			sp := next[c.Service]
			note(c.Service, s.replace(ctx, c.Service, sp, why))
		}
	}
	touched := map[string]bool{}
	for _, c := range plan.Changes {
		why := string(c.Action) + ": " + strings.Join(c.Reasons, "; ")
		switch c.Action {
		case project.ActRestart, project.ActStart:
			sp := next[c.Service]
			if err := s.awaitReady(ctx, sp.DependsOn, touched); err != nil {
				note(c.Service, err)
				continue
			}
			touched[c.Service] = true
			if c.Added {
				note(c.Service, s.add(sp))
			} else {
				note(c.Service, s.replace(ctx, c.Service, sp, why))
			}
		case project.ActUpdate:
			if c.Removed {
				note(c.Service, s.remove(ctx, c.Service))
			} else if c.Added {
				note(c.Service, s.add(next[c.Service]))
			} else {
				note(c.Service, s.replace(ctx, c.Service, next[c.Service], why))
			}
		}
	}
	s.mu.Lock()
	order := make([]*service, 0, len(ordered))
	for _, sp := range ordered {
		if sv, ok := s.svcs[sp.Name]; ok {
			order = append(order, sv)
		}
	}
	s.order = order
	s.specs = ordered
	s.last = &runstate.Change{Time: time.Now(), Source: source, Lines: plan.Lines()}
	if len(errs) > 0 {
		s.last.Error = (&runstate.PartlyAppliedError{Errs: errs}).Error()
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.persist()
	if len(errs) > 0 {
		return &runstate.PartlyAppliedError{Errs: errs}
	}
	return nil
}

// checkPlan refuses a plan that does not fit the running stack and the new
// specs, and ports the change needs that something else holds.
func (s *Supervisor) checkPlan(plan project.Plan, next map[string]ServiceSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return runstate.ErrNotRunning
	}
	held := map[int]bool{}
	for _, sv := range s.order {
		held[sv.spec.Port] = true
	}
	var toCheck []ServiceSpec
	seen := map[string]bool{}
	for _, c := range plan.Changes {
		seen[c.Service] = true
		_, running := s.svcs[c.Service]
		sp, wanted := next[c.Service]
		switch {
		case c.Added && running:
			return fmt.Errorf("plan: %s is added but already runs", c.Service)
		case c.Removed && wanted:
			return fmt.Errorf("plan: %s is removed but in the new model", c.Service)
		case !c.Added && !running:
			return fmt.Errorf("plan: %s is not in the running stack", c.Service)
		case !c.Removed && !wanted:
			return fmt.Errorf("plan: %s is not in the new model", c.Service)
		}
		if (c.Action == project.ActStart || c.Action == project.ActRestart) && sp.Port != 0 && !held[sp.Port] {
			toCheck = append(toCheck, sp)
		}
	}
	for name := range next {
		if !seen[name] {
			return fmt.Errorf("plan: no line for %s", name)
		}
	}
	for name := range s.svcs {
		if !seen[name] {
			return fmt.Errorf("plan: no line for %s", name)
		}
	}
	return PreflightPorts(toCheck)
}

// replace hands a service its new spec through its run loop and waits until
// the loop took it: stopped when the spec is disabled, or its new process started.
func (s *Supervisor) replace(ctx context.Context, name string, sp ServiceSpec, why string) error {
	s.mu.Lock()
	sv, ok := s.svcs[name]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("not in the running stack")
	}
	return sv.send(ctx, command{op: runstate.OpRestart, reply: make(chan error, 1), spec: &sp, why: why})
}

// replaceSpec is the run loop's side of replace: from now on it runs c.spec,
// and its restart count starts over. Other goroutines read the spec under mu.
// takeSpec is replaceSpec where the loop is not running the service: a spec
// now disabled leaves it stopped, the request answered (true).
func (s *Supervisor) takeSpec(sv *service, c command) (stopped bool) {
	s.replaceSpec(sv, c)
	if !sv.spec.Disabled {
		return false
	}
	s.set(sv, runstate.StateStopped, c.why)
	c.reply <- nil
	return true
}

func (s *Supervisor) replaceSpec(sv *service, c command) {
	sp := *c.spec
	s.mu.Lock()
	sv.spec = sp
	sv.st.Port, sv.st.URL, sv.st.Disabled, sv.st.ConfigHash = sp.Port, serviceURL(sp), sp.Disabled, sp.ConfigHash
	sv.st.Restarts = 0
	s.mu.Unlock()
	sv.restarts = nil
}

func serviceURL(sp ServiceSpec) string {
	if sp.URL == "" && sp.Port != 0 {
		return fmt.Sprintf("http://127.0.0.1:%d", sp.Port)
	}
	return sp.URL
}

// add starts a service new to the stack.
func (s *Supervisor) add(sp ServiceSpec) error {
	if err := s.logs.Add(sp.Name); err != nil {
		return err
	}
	sv := newService(sp)
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return runstate.ErrNotRunning
	}
	s.svcs[sp.Name] = sv
	s.order = append(s.order, sv)
	s.notifyLocked()
	s.mu.Unlock()
	go s.runService(sv)
	return nil
}

// remove stops a service and takes it out of the stack.
func (s *Supervisor) remove(ctx context.Context, name string) error {
	s.mu.Lock()
	sv, ok := s.svcs[name]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("not in the running stack")
	}
	sv.stopOnce.Do(func() { close(sv.stopCh) })
	select {
	case <-sv.doneCh:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	delete(s.svcs, name)
	s.order = slices.DeleteFunc(s.order, func(o *service) bool { return o == sv })
	s.notifyLocked()
	s.mu.Unlock()
	return nil
}

// awaitReady waits until each of deps that this change restarted (touched) is
// ready again; a dependency that failed instead is an error.
func (s *Supervisor) awaitReady(ctx context.Context, deps []string, touched map[string]bool) error {
	for {
		s.mu.Lock()
		changed := s.changed
		var waiting bool
		var bad error
		for _, d := range deps {
			sv, ok := s.svcs[d]
			if !touched[d] || !ok {
				continue
			}
			switch sv.st.State {
			case runstate.StateReady:
			case runstate.StateFailed, runstate.StateStopped:
				bad = fmt.Errorf("dependency %s is %s after the change: %s", d, sv.st.State, sv.st.LastError)
			default:
				waiting = true
			}
		}
		s.mu.Unlock()
		if bad != nil {
			return bad
		}
		if !waiting {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.doneCh:
			return runstate.ErrNotRunning
		}
	}
}

// Refresh restarts the named services afresh (a watch glob matched): in
// dependency order, each once those of them it depends on are ready again,
// without backoff and with the restart count reset. Those not running stay so.
func (s *Supervisor) Refresh(ctx context.Context, names []string, why string) error {
	s.applyMu.Lock()
	defer s.applyMu.Unlock()
	if err := s.mustRun(); err != nil {
		return err
	}
	s.mu.Lock()
	var todo []ServiceSpec
	for _, sv := range s.order { // start order
		if slices.Contains(names, sv.spec.Name) {
			todo = append(todo, sv.spec)
		}
	}
	s.mu.Unlock()
	if len(todo) != len(names) {
		for _, n := range names {
			if !slices.ContainsFunc(todo, func(sp ServiceSpec) bool { return sp.Name == n }) {
				return &runstate.UnknownServiceError{Name: n, Known: s.names()}
			}
		}
	}
	var errs []error
	touched := map[string]bool{}
	for _, sp := range todo {
		if err := s.awaitReady(ctx, sp.DependsOn, touched); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sp.Name, err))
			continue
		}
		touched[sp.Name] = true
		if err := s.replace(ctx, sp.Name, sp, why); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sp.Name, err))
		}
	}
	s.mu.Lock()
	s.last = &runstate.Change{Time: time.Now(), Source: why, Lines: refreshLines(todo)}
	if len(errs) > 0 {
		s.last.Error = errors.Join(errs...).Error()
	}
	s.mu.Unlock()
	s.persist()
	if len(errs) > 0 {
		return &runstate.PartlyAppliedError{Errs: errs}
	}
	return nil
}

func refreshLines(specs []ServiceSpec) []string {
	out := make([]string, len(specs))
	for i, sp := range specs {
		out[i] = sp.Name + ": restart"
	}
	return out
}

// Dependants are the services that depend on name, directly or not, in start
// order: what a cascade restarts after it.
func (s *Supervisor) Dependants(name string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	hit := map[string]bool{name: true}
	var out []string
	for _, sv := range s.order { // start order: a dependency comes first
		for _, d := range sv.spec.DependsOn {
			if hit[d] && !hit[sv.spec.Name] {
				hit[sv.spec.Name] = true
				out = append(out, sv.spec.Name)
			}
		}
	}
	return out
}

// notifyLocked wakes whoever waits on a change of the stack's shape.
func (s *Supervisor) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// loopsDone is closed once the run loop of every service of the stack has
// returned, services added meanwhile included.
func (s *Supervisor) loopsDone() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for {
			s.mu.Lock()
			list := slices.Clone(s.order)
			s.mu.Unlock()
			for _, sv := range list {
				<-sv.doneCh
			}
			s.mu.Lock()
			same := slices.Equal(list, s.order)
			s.mu.Unlock()
			if same {
				close(done)
				return
			}
		}
	}()
	return done
}

// SetProject records a new model in the run file (after Apply): what the next
// `up` compares with.
func (s *Supervisor) SetProject(model json.RawMessage) {
	s.fileMu.Lock()
	s.opts.Project = model
	if s.runf != nil {
		s.runf.Project = model
	}
	s.fileMu.Unlock()
	s.persist()
}

// Changed is closed at the next change of a service's state or of the stack's
// shape (an Apply): the control API's event stream waits on it for changes.
func (s *Supervisor) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}
