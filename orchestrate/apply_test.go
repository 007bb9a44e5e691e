//go:build unix

package orchestrate

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

func sleeper(t *testing.T, name string, deps ...string) ServiceSpec {
	s := helper(t, name, "sleep")
	s.Restart, s.Probe, s.DependsOn = project.RestartAlways, logProbe(`sleeping`), deps
	return s
}

func change(name string, act project.Action, reasons ...string) project.Change {
	return project.Change{Service: name, Action: act, Reasons: reasons,
		Added: act == project.ActStart && slices.Contains(reasons, "added"), Removed: slices.Contains(reasons, "removed")}
}

func statusOf(sup *Supervisor, name string) (runstate.ServiceStatus, bool) {
	for _, st := range sup.Status() {
		if st.Name == name {
			return st, true
		}
	}
	return runstate.ServiceStatus{}, false
}

// TestApplyConverges: a changed service restarts, its untouched dependant keeps
// its process, a removed one stops and leaves the stack, an added one starts, a
// disabled one stops and stays listed.
func TestApplyConverges(t *testing.T) {
	a, b, c, off := sleeper(t, "a"), sleeper(t, "b", "a"), sleeper(t, "c"), sleeper(t, "off")
	a.ConfigHash = "a-1"
	r := start(t, []ServiceSpec{a, b, c, off}, Options{RunDir: t.TempDir(), LogDir: t.TempDir()})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.sup.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	before := map[string]runstate.ServiceStatus{}
	for _, st := range r.sup.Status() {
		before[st.Name] = st
	}

	a2 := a
	a2.Env = append(slices.Clone(a.Env), "ARENA_X=2")
	a2.ConfigHash = "a-2"
	d := sleeper(t, "d", "a")
	off2 := off
	off2.Disabled, off2.DisabledWhy = true, "disabled in arena-dev.toml"
	plan := project.Plan{Changes: []project.Change{
		change("c", project.ActStop, "removed"),
		change("off", project.ActStop, "disabled"),
		change("a", project.ActRestart, "env ARENA_X added"),
		change("d", project.ActStart, "added"),
		change("b", project.ActKeep),
	}}
	if err := r.sup.Apply(ctx, []ServiceSpec{a2, b, d, off2}, plan, "up"); err != nil {
		t.Fatal(err)
	}
	na := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	nd := r.waitState(t, "d", runstate.StateReady, 20*time.Second)
	if na.ConfigHash != "a-2" {
		t.Errorf("a's status keeps config hash %q", na.ConfigHash)
	}
	if na.PID == before["a"].PID || alive(before["a"].PID) || na.Restarts != 0 {
		t.Errorf("a: pid %d (was %d, alive %v), restarts %d", na.PID, before["a"].PID, alive(before["a"].PID), na.Restarts)
	}
	if nb, _ := statusOf(r.sup, "b"); nb.PID != before["b"].PID || nb.State != runstate.StateReady {
		t.Errorf("b was touched: %+v, was pid %d", nb, before["b"].PID)
	}
	if _, ok := statusOf(r.sup, "c"); ok || alive(before["c"].PID) {
		t.Errorf("c still listed or alive (pid %d alive %v)", before["c"].PID, alive(before["c"].PID))
	}
	if st, ok := statusOf(r.sup, "off"); !ok || st.State != runstate.StateStopped || !st.Disabled || alive(before["off"].PID) {
		t.Errorf("off: %+v listed %v", st, ok)
	}
	if nd.PID == 0 {
		t.Error("d has no pid")
	}
	var names []string
	for _, st := range r.sup.Status() {
		names = append(names, st.Name)
	}
	if !slices.Equal(names, []string{"a", "b", "d", "off"}) {
		t.Errorf("services in start order: %v", names)
	}
	lc := r.sup.LastChange()
	if lc == nil || lc.Source != "up" || !slices.Contains(lc.Lines, "a: restart (env ARENA_X added)") || lc.Error != "" {
		t.Errorf("last change %+v", lc)
	}
	if !strings.Contains(r.out.String(), "[d]") {
		t.Error("the added service's lines are not prefixed in the output")
	}
	if _, err := os.Stat(filepath.Join(r.sup.opts.LogDir, "d.log")); err != nil {
		t.Errorf("no log file for the added service: %v", err)
	}
	// The stack still stops as a whole, the added service with it.
	if err := r.stop(t, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if alive(nd.PID) || alive(na.PID) {
		t.Errorf("left running after the stop: d %v, a %v", alive(nd.PID), alive(na.PID))
	}
}

// TestApplyRefusesATakenPort: nothing changes when a port the change needs is
// held by another process.
func TestApplyRefusesATakenPort(t *testing.T) {
	a := sleeper(t, "a")
	r := start(t, []ServiceSpec{a}, Options{})
	was := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	e := sleeper(t, "e")
	e.Port = l.Addr().(*net.TCPAddr).Port
	a2 := a
	a2.Env = append(slices.Clone(a.Env), "X=1")
	err = r.sup.Apply(context.Background(), []ServiceSpec{a2, e},
		project.Plan{Changes: []project.Change{change("a", project.ActRestart, "env X added"), change("e", project.ActStart, "added")}}, "up")
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Service != "e" {
		t.Fatalf("err = %v; want e's port in use", err)
	}
	if now, _ := statusOf(r.sup, "a"); now.PID != was.PID {
		t.Errorf("a restarted although the change was refused")
	}
	if _, ok := statusOf(r.sup, "e"); ok {
		t.Error("e added although its port is taken")
	}
	if r.sup.LastChange() != nil {
		t.Error("a refused change is recorded as applied")
	}
}

// TestApplyRejectsAPlanThatDoesNotFit: a plan naming a service the stack does
// not run is refused before anything acts.
func TestApplyRejectsAPlanThatDoesNotFit(t *testing.T) {
	a := sleeper(t, "a")
	r := start(t, []ServiceSpec{a}, Options{})
	r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	err := r.sup.Apply(context.Background(), []ServiceSpec{a}, project.Plan{Changes: []project.Change{change("a", project.ActKeep), change("zz", project.ActRestart, "x")}}, "up")
	if err == nil || !strings.Contains(err.Error(), "zz") {
		t.Fatalf("err = %v", err)
	}
	err = r.sup.Apply(context.Background(), []ServiceSpec{a}, project.Plan{}, "up")
	if err == nil || !strings.Contains(err.Error(), "no line for a") {
		t.Fatalf("empty plan: %v", err)
	}
}

// TestRefreshSkipsBackoffAndCascades: a service waiting out a long crash backoff
// starts at once when refreshed, its restart count reset, and its dependant
// restarts after it is ready again.
func TestRefreshSkipsBackoffAndCascades(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "count")
	a := helper(t, "a", "crash-until", "COUNTER="+counter, "CRASHES=1")
	a.Restart, a.Probe, a.Backoff, a.BackoffMax = project.RestartOnFailure, logProbe(`up after`), time.Hour, time.Hour
	b := sleeper(t, "b")
	c := sleeper(t, "c", "a")
	r := start(t, []ServiceSpec{a, b, c}, Options{})
	st := r.waitState(t, "a", runstate.StateRestarting, 20*time.Second) // the hour-long backoff
	if st.Restarts != 1 {
		t.Fatalf("a: %+v", st)
	}
	ob := r.waitState(t, "b", runstate.StateReady, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	names := append([]string{"a"}, r.sup.Dependants("a")...)
	if !slices.Equal(names, []string{"a", "c"}) {
		t.Fatalf("cascade %v", names)
	}
	if err := r.sup.Refresh(ctx, names, "watch: party/x.ts"); err != nil {
		t.Fatal(err)
	}
	na := r.waitState(t, "a", runstate.StateReady, 20*time.Second)
	nc := r.waitState(t, "c", runstate.StateReady, 20*time.Second)
	if na.Restarts != 0 {
		t.Errorf("a's restart count %d after a refresh", na.Restarts)
	}
	if nc.Started.Before(na.Since) {
		t.Errorf("c (started %s) restarted before a was ready (%s)", nc.Started, na.Since)
	}
	if nb, _ := statusOf(r.sup, "b"); nb.PID != ob.PID {
		t.Error("b was touched")
	}
	// A second refresh of running services: new processes, count still 0.
	if err := r.sup.Refresh(ctx, []string{"c"}, "watch"); err != nil {
		t.Fatal(err)
	}
	if again := r.waitState(t, "c", runstate.StateReady, 20*time.Second); again.PID == nc.PID || again.Restarts != 0 {
		t.Errorf("c after a second refresh: %+v (was pid %d)", again, nc.PID)
	}
	if err := r.sup.Refresh(ctx, []string{"nope"}, "watch"); err == nil {
		t.Error("refreshing an unknown service")
	}
}

// TestApplyRestartsInProcess: the in-process service's new spec runs (its Run),
// after the old one finished its shutdown.
func TestApplyRestartsInProcess(t *testing.T) {
	var version atomic.Int32
	var oldDone atomic.Bool
	run := func(v int32) func(ctx context.Context, ready func(), log LineWriter) error {
		return func(ctx context.Context, ready func(), log LineWriter) error {
			version.Store(v)
			ready()
			<-ctx.Done()
			if v == 1 {
				oldDone.Store(true)
			}
			return nil
		}
	}
	api := ServiceSpec{Service: project.Service{Name: "answers", InProcess: true}, Run: run(1)}
	web := sleeper(t, "web", "answers")
	r := start(t, []ServiceSpec{api, web}, Options{})
	ow := r.waitState(t, "web", runstate.StateReady, 20*time.Second)
	api2 := api
	api2.Run = run(2)
	api2.StopTimeout = 5 * time.Second
	if err := r.sup.Apply(context.Background(), []ServiceSpec{api2, web},
		project.Plan{Changes: []project.Change{change("answers", project.ActRestart, "cors origins changed"), change("web", project.ActKeep)}}, "up"); err != nil {
		t.Fatal(err)
	}
	r.waitState(t, "answers", runstate.StateReady, 20*time.Second)
	if version.Load() != 2 || !oldDone.Load() {
		t.Errorf("version %d, old finished %v", version.Load(), oldDone.Load())
	}
	if nw, _ := statusOf(r.sup, "web"); nw.PID != ow.PID {
		t.Error("web restarted with answers")
	}
}
