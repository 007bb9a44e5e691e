//go:build unix

package orchestrate

import (
	"context"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// eventsUntil collects events until cond says stop, or fails at the deadline.
func (r *running) eventsUntil(t *testing.T, within time.Duration, cond func(runstate.Event) bool) []runstate.Event {
	t.Helper()
	var got []runstate.Event
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-r.events:
			if !ok {
				t.Fatalf("event stream closed; got %v", got)
			}
			got = append(got, ev)
			if cond(ev) {
				return got
			}
		case <-deadline:
			t.Fatalf("timed out; events so far: %v", got)
		}
	}
}

func indexOf(evs []runstate.Event, name string, st runstate.State) int {
	for i, ev := range evs {
		if ev.Name == name && ev.State == st {
			return i
		}
	}
	return -1
}

func TestDependentsStartOnceDependenciesAreReady(t *testing.T) {
	dbPort, webPort := testenv.FreePort(t), testenv.FreePort(t)
	db := helper(t, "db", "serve", fmt.Sprintf("PORT=%d", dbPort), "DELAY=400ms")
	db.Port = dbPort
	db.Probe = project.Probe{Kind: project.ProbeHTTP, URL: fmt.Sprintf("http://127.0.0.1:%d/", dbPort), Interval: 20 * time.Millisecond, Timeout: 20 * time.Second}
	// web exits 1 (project.RestartNo: Failed) unless db already accepts connections when it starts.
	web := helper(t, "web", "serve", fmt.Sprintf("PORT=%d", webPort), fmt.Sprintf("NEED=127.0.0.1:%d", dbPort))
	web.Port, web.DependsOn = webPort, []string{"db"}
	web.Probe = project.Probe{Kind: project.ProbeTCP, Address: fmt.Sprintf("127.0.0.1:%d", webPort), Interval: 20 * time.Millisecond, Timeout: 20 * time.Second}
	r := start(t, []ServiceSpec{web, db}, Options{}) // listed dependent-first on purpose
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.sup.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	evs := r.eventsUntil(t, 5*time.Second, func(ev runstate.Event) bool { return ev.Name == "web" && ev.State == runstate.StateReady })
	dbReady, webStarting := indexOf(evs, "db", runstate.StateReady), indexOf(evs, "web", runstate.StateStarting)
	if dbReady < 0 || webStarting < dbReady {
		t.Fatalf("web started (event %d) before db was ready (event %d): %v", webStarting, dbReady, evs)
	}
	if !strings.Contains(r.out.String(), "dependency reachable") {
		t.Errorf("web did not see db up at its start:\n%s", r.out.String())
	}
	if st := r.sup.Status(); st[0].Name != "db" || st[1].Name != "web" {
		t.Errorf("status order = %s, %s; want start order db, web", st[0].Name, st[1].Name)
	}
}

func TestRestartsCrashWithExponentialBackoff(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "starts")
	spec := helper(t, "flaky", "crash-until", "COUNTER="+counter, "CRASHES=3")
	spec.Restart, spec.MaxRestarts, spec.Backoff, spec.BackoffMax = project.RestartOnFailure, 5, 80*time.Millisecond, time.Second
	spec.Probe = logProbe(`up after 3 crashes`)
	r := start(t, []ServiceSpec{spec}, Options{})
	st := r.waitState(t, "flaky", runstate.StateReady, 20*time.Second)
	if st.Restarts != 3 {
		t.Errorf("restarts = %d, want 3", st.Restarts)
	}
	evs := r.eventsUntil(t, 5*time.Second, func(ev runstate.Event) bool { return ev.State == runstate.StateReady })
	// Each wait (restarting -> next starting) is at least Backoff * 2^(n-1).
	var waits []time.Duration
	for i, ev := range evs {
		if ev.State == runstate.StateRestarting && i+1 < len(evs) && evs[i+1].State == runstate.StateStarting {
			waits = append(waits, evs[i+1].Time.Sub(ev.Time))
		}
	}
	if len(waits) != 3 {
		t.Fatalf("want 3 backoff waits, got %v from %v", waits, evs)
	}
	for i, w := range waits {
		if min := spec.Backoff << i; w < min {
			t.Errorf("backoff %d was %s, want >= %s", i+1, w, min)
		}
	}
	if !strings.Contains(st.LastError, "exit status 1") {
		t.Errorf("LastError = %q, want the crash's exit status", st.LastError)
	}
}

func TestAlwaysCrashingServiceFailsWhileOthersKeepRunning(t *testing.T) {
	bad := helper(t, "bad", "crash")
	bad.Restart, bad.MaxRestarts, bad.Backoff = project.RestartAlways, 2, 10*time.Millisecond
	bad.Probe = logProbe(`never printed`)
	good := helper(t, "good", "sleep")
	good.Probe = logProbe(`sleeping \d+`)
	r := start(t, []ServiceSpec{good, bad}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := r.sup.WaitReady(ctx)
	if err == nil || !strings.Contains(err.Error(), "bad") || !strings.Contains(err.Error(), "gave up after 2 restarts") {
		t.Fatalf("WaitReady = %v, want bad's give-up reason", err)
	}
	b := r.waitState(t, "bad", runstate.StateFailed, 10*time.Second)
	if b.Restarts != 2 {
		t.Errorf("bad restarts = %d, want 2", b.Restarts)
	}
	g := r.waitState(t, "good", runstate.StateReady, 10*time.Second)
	if !alive(g.PID) {
		t.Errorf("good (pid %d) should keep running", g.PID)
	}
	select {
	case err := <-r.errc:
		t.Fatalf("Run returned while good still runs: %v", err)
	default:
	}
}

func TestReadinessTimeoutAndFatalLineFail(t *testing.T) {
	never := helper(t, "never", "sleep")
	never.Probe = project.Probe{Kind: project.ProbeTCP, Address: fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)),
		Interval: 20 * time.Millisecond, Timeout: 300 * time.Millisecond}
	taken := helper(t, "taken", "sleep")
	taken.Command = []string{"/bin/sh", "-c", `printf '\033[31m[pk:err]\033[0m Address already in use (0.0.0.0:1999)\n'; exec sleep 60`}
	taken.Env = nil
	taken.Probe = project.Probe{Kind: project.ProbeHTTP, URL: "http://127.0.0.1:1/", Timeout: 20 * time.Second}
	r := start(t, []ServiceSpec{never, taken}, Options{})
	n := r.waitState(t, "never", runstate.StateFailed, 10*time.Second)
	if !strings.Contains(n.LastError, "not ready after 300ms") || alive(n.PID) {
		t.Errorf("never: LastError %q, pid %d alive=%v", n.LastError, n.PID, alive(n.PID))
	}
	tk := r.waitState(t, "taken", runstate.StateFailed, 10*time.Second)
	if !strings.Contains(tk.LastError, "Address already in use (0.0.0.0:1999)") || alive(tk.PID) {
		t.Errorf("taken: LastError %q, pid %d alive=%v", tk.LastError, tk.PID, alive(tk.PID))
	}
}

func TestInProcessService(t *testing.T) {
	var cancelled atomic.Bool
	api := ServiceSpec{Service: project.Service{Name: "answers"}, Run: func(ctx context.Context, ready func(), log LineWriter) error {
		log.WriteLine("serving")
		ready()
		<-ctx.Done()
		cancelled.Store(true)
		log.WriteLine("bye")
		return nil
	}}
	web := helper(t, "web", "sleep")
	web.DependsOn = []string{"answers"}
	web.Probe = logProbe(`sleeping`)
	r := start(t, []ServiceSpec{api, web}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.sup.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.stop(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if !cancelled.Load() {
		t.Error("Run's context was not cancelled")
	}
	out := r.out.String()
	if !strings.Contains(out, "[answers] serving") || !strings.Contains(out, "[answers] bye") {
		t.Errorf("in-process lines not prefixed:\n%s", out)
	}
	// Reverse dependency order: web stops before answers says bye.
	log := r.diag.String()
	if w, a := strings.Index(log, `"service":"web","reason":"stack stopping"`), strings.Index(log, `"service":"answers","reason":"stack stopping"`); w < 0 || a < w {
		t.Errorf("want web stopped before answers:\n%s", log)
	}
}

func TestValidate(t *testing.T) {
	cmd := []string{"true"}
	cases := []struct {
		name  string
		specs []ServiceSpec
		want  string
	}{
		{"unknown dependency", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, DependsOn: []string{"nope"}}}}, `unknown service "nope"`},
		{"cycle", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, DependsOn: []string{"b"}}}, {Service: project.Service{Name: "b", Command: cmd, DependsOn: []string{"a"}}}}, "dependency cycle: a -> b -> a"},
		{"self", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, DependsOn: []string{"a"}}}}, "cannot depend on itself"},
		{"duplicate name", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd}}, {Service: project.Service{Name: "a", Command: cmd}}}, "defined twice"},
		{"duplicate port", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, Port: 5000}}, {Service: project.Service{Name: "b", Command: cmd, Port: 5000}}}, `port 5000 is also service "a"'s`},
		{"no command", []ServiceSpec{{Service: project.Service{Name: "a"}}}, "needs a command"},
		{"both", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd}, Run: func(context.Context, func(), LineWriter) error { return nil }}}, "both a command"},
		{"bad name", []ServiceSpec{{Service: project.Service{Name: "a b", Command: cmd}}}, "service name \"a b\": use lower case"},
		{"http probe", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, Probe: project.Probe{Kind: project.ProbeHTTP, URL: "localhost:1"}}}}, "needs an http:// URL"},
		{"log probe", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, Probe: project.Probe{Kind: project.ProbeLog}}}}, "needs a pattern"},
		{"negative", []ServiceSpec{{Service: project.Service{Name: "a", Command: cmd, Backoff: -time.Second}}}, "backoff is negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.specs, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New = %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := New([]ServiceSpec{{Service: project.Service{Name: "a", Command: cmd}}, {Service: project.Service{Name: "b", Command: cmd, DependsOn: []string{"a"}}}}, Options{}); err != nil {
		t.Fatalf("valid specs: %v", err)
	}
}

func TestChildKilledFromOutsideIsRestarted(t *testing.T) {
	spec := helper(t, "victim", "tree")
	spec.Restart, spec.Backoff = project.RestartOnFailure, 20*time.Millisecond
	spec.Probe = logProbe(`grandchild \d+`)
	logDir := t.TempDir()
	r := start(t, []ServiceSpec{spec}, Options{LogDir: logDir})
	first := r.waitState(t, "victim", runstate.StateReady, 20*time.Second)
	firstGC := pidFromOutput(t, r.out, "grandchild")
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil { // the leader alone, as `kill -9 <pid>` would
		t.Fatal(err)
	}
	var again runstate.ServiceStatus
	waitFor(t, "a new, ready victim", 20*time.Second, func() bool {
		again = r.sup.Status()[0]
		return again.State == runstate.StateReady && again.PID != first.PID
	})
	if again.Restarts != 1 || !strings.Contains(again.LastError, "signal: killed") {
		t.Errorf("after the kill: restarts %d, last error %q", again.Restarts, again.LastError)
	}
	// The old leader's orphaned grandchild was cleared before the restart.
	if alive(firstGC) {
		t.Errorf("grandchild %d of the killed leader survived the restart", firstGC)
	}
	b, err := os.ReadFile(filepath.Join(logDir, "victim.log"))
	if err != nil || !strings.Contains(string(b), "arena-dev started pid") || !strings.Contains(string(b), "signal: killed") {
		t.Errorf("victim.log should record the starts and the kill (%v):\n%s", err, b)
	}
}

func TestCommandResolution(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(filepath.Join(dir, "node_modules", ".bin"), 0o755)
	os.MkdirAll(bin, 0o755)
	write := func(path, say string) {
		if err := os.WriteFile(path, []byte("#!/bin/sh\necho "+say+" \"$PWD\"\nexec sleep 60\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "node_modules", ".bin", "tool"), "relative-tool")
	write(filepath.Join(bin, "only-on-child-path"), "child-path-tool")
	rel := ServiceSpec{Service: project.Service{Name: "rel", Dir: dir, Command: []string{"node_modules/.bin/tool"}, Probe: logProbe(`relative-tool`)}}
	onPath := ServiceSpec{Service: project.Service{Name: "onpath", Dir: dir, Command: []string{"only-on-child-path"}, Env: []string{"PATH=" + bin + ":/usr/bin:/bin"},
		Probe: logProbe(`child-path-tool`)}}
	shell := ServiceSpec{Service: project.Service{Name: "shell", Dir: dir, Shell: true, Command: []string{"echo from-shell $((6*7)); exec sleep 60"}, Probe: logProbe(`from-shell 42`)}}
	r := start(t, []ServiceSpec{rel, onPath, shell}, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.sup.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.out.String(), "relative-tool "+dir) {
		t.Errorf("PWD should be the service's dir:\n%s", r.out.String())
	}
}

func TestMissingCommandFails(t *testing.T) {
	for _, cmd := range []string{"/nonexistent/partykit", "node_modules/.bin/missing", "no-such-tool-anywhere"} {
		t.Run(cmd, func(t *testing.T) {
			r := start(t, []ServiceSpec{{Service: project.Service{Name: "x", Dir: t.TempDir(), Command: []string{cmd}}}}, Options{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := r.sup.WaitReady(ctx)
			if err == nil || !strings.Contains(err.Error(), "could not start") || !strings.Contains(err.Error(), filepath.Base(cmd)) {
				t.Fatalf("WaitReady = %v, want a start failure naming %s", err, cmd)
			}
		})
	}
}
