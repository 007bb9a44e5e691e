package orchestrate

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

// A service's process group is not all of it: a descendant may call setsid (a
// daemonising dev tool, a `nohup … &` in a script) and leave the group, and once
// its parent exits it is nobody's child. The supervisor keeps those in reach:
//
//   - it is a child subreaper (Linux), so such orphans are re-parented to it, not
//     to pid 1, and their exits come back to it;
//   - every child carries procutil.OwnerEnv naming this supervisor and the
//     service, which its descendants inherit, whatever group or session they move to;
//   - a scan (every scanEvery, on SIGCHLD, and before every stop) walks /proc from
//     each service's leader and its known escapees down, adds the processes that
//     carry its mark, and records in the run file the ones outside its group
//     (ServiceStatus.Escaped), so a later `down` or `up` finds them even after a
//     SIGKILL of arena-dev sent them to pid 1;
//   - the stop ladder signals them with the group (withStrays).

// scanEvery bounds how stale the recorded escapees are; a scan reads
// /proc/*/stat once, a few milliseconds for a few hundred processes.
const scanEvery = time.Second

// scanGap is the least time between two scans triggered by SIGCHLD: a burst of
// exits costs one scan.
const scanGap = 100 * time.Millisecond

// tracker is the supervisor's memory between scans.
type tracker struct {
	mu      sync.Mutex // one scan at a time
	self    procutil.Info
	marks   map[procutil.Ref]string // OwnerEnv verdicts: the service, or "" when not ours
	escaped map[procutil.Ref]bool   // every process once recorded as an escapee
	guard   *guardian               // nil without one (guardian.go)
}

// ownerValue is OwnerEnv's value for one service of the arena-dev ref names.
func ownerValue(owner procutil.Ref, service string) string {
	return fmt.Sprintf("%d.%d/%s", owner.PID, owner.StartTicks, service)
}

// marked maps the processes of table that carry owner's mark to their service.
// Only processes started after the owner can carry it, which keeps the environ
// reads few; cache (may be nil) remembers verdicts by process, so a zombie,
// whose environ is gone, keeps the verdict it had alive.
func marked(table []procutil.Info, owner procutil.Ref, cache map[procutil.Ref]string) map[procutil.Ref]string {
	prefix := ownerValue(owner, "")
	out := map[procutil.Ref]string{}
	for _, p := range table {
		if p.StartTicks < owner.StartTicks || p.PID == owner.PID {
			continue
		}
		r := procutil.RefOf(p)
		name, known := cache[r]
		if !known {
			v, _ := procutil.EnvValue(p.PID, procutil.OwnerEnv)
			if n, ok := strings.CutPrefix(v, prefix); ok {
				name = n
			}
			if cache != nil && (p.State != 'Z' || name != "") {
				cache[r] = name
			}
		}
		if name != "" {
			out[r] = name
		}
	}
	return out
}

// strays are the processes of table outside group that belong to a service: the
// descendants of its leader and of its known strays, and those carrying its mark.
func strays(table []procutil.Info, leader procutil.Ref, group int, known []procutil.Ref, mine []procutil.Ref) []procutil.Ref {
	live := map[procutil.Ref]procutil.Info{}
	for _, p := range table {
		if p.State != 'Z' && p.State != 'X' {
			live[procutil.RefOf(p)] = p
		}
	}
	var roots []int
	keep := map[procutil.Ref]bool{}
	for _, r := range append(append([]procutil.Ref{leader}, known...), mine...) {
		if _, ok := live[r]; ok {
			roots = append(roots, r.PID)
			keep[r] = true
		}
	}
	for _, p := range procutil.DescendantsIn(table, roots...) {
		keep[procutil.RefOf(p)] = true
	}
	var out []procutil.Ref
	for r := range keep {
		if live[r].PGID != group && r != leader {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b procutil.Ref) int { return a.PID - b.PID })
	return out
}

// scan refreshes every service's Escaped, reaps the zombies that are ours to reap
// and rewrites the run file when something changed.
func (s *Supervisor) scan() {
	s.trk.mu.Lock()
	defer s.trk.mu.Unlock()
	table := procutil.Snapshot()
	if table == nil {
		return // no /proc
	}
	self := procutil.RefOf(s.trk.self)
	marks := marked(table, self, s.trk.marks)
	present := map[procutil.Ref]bool{}
	for _, p := range table {
		present[procutil.RefOf(p)] = true
	}
	for r := range s.trk.marks {
		if !present[r] {
			delete(s.trk.marks, r)
		}
	}
	changed := false
	groups := map[int]bool{}
	s.mu.Lock()
	for _, sv := range s.order {
		st := &sv.st
		if st.PGID <= 0 || sv.spec.Run != nil {
			continue
		}
		groups[st.PGID] = true
		var mine []procutil.Ref
		for r, name := range marks {
			if name == sv.spec.Name {
				mine = append(mine, r)
			}
		}
		esc := strays(table, procutil.Ref{PID: st.PID, StartTicks: st.StartTicks}, st.PGID, st.Escaped, mine)
		for _, r := range esc {
			s.trk.escaped[r] = true
		}
		if !slices.Equal(esc, st.Escaped) {
			st.Escaped, changed = esc, true
		}
	}
	s.mu.Unlock()
	for r := range s.trk.escaped {
		if !present[r] {
			delete(s.trk.escaped, r)
		}
	}
	s.reapAdoptees(table, marks, groups)
	if changed {
		s.persist()
	}
}

// reapAdoptees collects the zombies among our children that we adopted as a
// subreaper. Go's os/exec waits for each child it started by its pid, and
// wait4(-1) here would steal such a status (Wait would then fail with ECHILD,
// and a service's exit code would be lost). So a zombie is reaped by its own pid,
// only when it cannot be a child that anyone in this process started:
//   - it is not one procutil.Start started (checked under Start's lock, so a
//     child cannot be forked, exit and be taken here before it is recorded);
//   - and something ties it to a service's tree: it carried this supervisor's
//     mark, was recorded as an escapee, is in a service's process group, or sits
//     in a session of its own created after we started (setsid; nothing in
//     arena-dev starts a child in a new session while a supervisor runs).
//
// A child some other code started with os/exec has none of these, so its
// status stays for its own Wait.
func (s *Supervisor) reapAdoptees(table []procutil.Info, marks map[procutil.Ref]string, groups map[int]bool) {
	me := s.trk.self
	for _, p := range table {
		if p.PPID != me.PID || p.State != 'Z' {
			continue
		}
		r := procutil.RefOf(p)
		newSession := p.Session != me.Session && p.Session == p.PID && p.StartTicks >= me.StartTicks
		if marks[r] != "" || s.trk.escaped[r] || groups[p.PGID] || newSession {
			procutil.ReapZombie(p)
		}
	}
}

// watchTree runs scan every scanEvery and on SIGCHLD until stop closes.
func (s *Supervisor) watchTree(stop <-chan struct{}) {
	chld := make(chan os.Signal, 1)
	if len(childSignals) > 0 {
		signal.Notify(chld, childSignals...)
		defer signal.Stop(chld)
	}
	tick := time.NewTicker(scanEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-chld:
		case <-tick.C:
		}
		s.scan()
		gap := time.NewTimer(scanGap)
		select {
		case <-stop:
			gap.Stop()
			return
		case <-gap.C:
		}
	}
}

// startTreeWatch makes the supervisor a subreaper, starts its guardian and
// watchTree; the returned func stops them, after a last scan and reap.
func (s *Supervisor) startTreeWatch() func() {
	if err := procutil.BecomeSubreaper(); err != nil {
		s.log.Warn().Err(err).Msg("cannot become a child subreaper; orphaned descendants go to pid 1")
	}
	logPath := ""
	if s.opts.RunDir != "" {
		logPath = filepath.Join(s.opts.RunDir, "guardian.log")
	}
	s.trk.guard = startGuardian(logPath, s.log)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { defer close(done); s.watchTree(stop) }()
	return func() {
		close(stop)
		<-done
		s.scan()
		s.guardUpdate()
		s.trk.guard.finish()
	}
}

// guardUpdate tells the guardian what to stop now, should arena-dev vanish.
func (s *Supervisor) guardUpdate() { s.trk.guard.update(guardStateOf(s.Status())) }

// coverEscapees extends a service's stop target to its escapees, found afresh
// when each signal is sent.
func (s *Supervisor) coverEscapees(sv *service, t stopTarget) stopTarget {
	return withStrays(t, func() []procutil.Ref {
		s.scan()
		s.mu.Lock()
		defer s.mu.Unlock()
		return slices.Clone(sv.st.Escaped)
	})
}

// sweepMarked stops what still carries this supervisor's mark once every service
// ended: a descendant born and orphaned between two scans.
func (s *Supervisor) sweepMarked() {
	find := func() []procutil.Ref {
		var refs []procutil.Ref
		for r := range marked(procutil.Snapshot(), procutil.RefOf(s.trk.self), nil) {
			refs = append(refs, r)
		}
		return refs
	}
	if len(find()) == 0 {
		return
	}
	s.log.Warn().Msg("stopping descendants left outside every service's process group")
	stopLadder(withStrays(nothing("descendants outside the groups"), find), project.DefaultStopTimeout, s.forceCh, s.log, nil)
}
