//go:build unix

package orchestrate

import (
	"context"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// realSpecs are the example stack's dev servers on free ports, started the way
// arena-dev starts them (the tools' own entry points, offline switches set).
func realSpecs(tb testing.TB) (partykit, astro ServiceSpec) {
	dir := testenv.ExampleDir(tb)
	testenv.RequireFile(tb, filepath.Join(dir, "node_modules", ".bin", "partykit"))
	testenv.RequireFile(tb, filepath.Join(dir, "node_modules", ".bin", "astro"))
	pk, as, api := testenv.FreePort(tb), testenv.FreePort(tb), testenv.FreePort(tb)
	env := []string{"NO_UPDATE_NOTIFIER=1", "ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true",
		fmt.Sprintf("PUBLIC_ANSWERS_URL=http://127.0.0.1:%d", api), fmt.Sprintf("PUBLIC_PARTYKIT_HOST=127.0.0.1:%d", pk)}
	probe := func(port int) project.Probe {
		return project.Probe{Kind: project.ProbeHTTP, URL: fmt.Sprintf("http://127.0.0.1:%d/", port), Interval: 50 * time.Millisecond, Timeout: 90 * time.Second}
	}
	partykit = ServiceSpec{Service: project.Service{Name: "partykit", Dir: dir, Env: env, Port: pk, Probe: probe(pk), StopTimeout: 3 * time.Second,
		Command: []string{"node_modules/.bin/partykit", "dev", "--port", fmt.Sprint(pk), "--disable-request-cf-fetch"}}}
	astro = ServiceSpec{Service: project.Service{Name: "astro", Dir: dir, Env: env, Port: as, Probe: probe(as), StopTimeout: 3 * time.Second,
		Command: []string{"node_modules/.bin/astro", "dev", "--host", "127.0.0.1", "--port", fmt.Sprint(as)}}}
	return partykit, astro
}

type member struct {
	pid     int
	cmdline string
}

func TestRealDevServersStopCleanly(t *testing.T) {
	pk, as := realSpecs(t)
	as.DependsOn = []string{"partykit"}
	r := start(t, []ServiceSpec{pk, as}, Options{LogDir: t.TempDir()})
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := r.sup.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	var members []member
	var sawWorkerd, sawEsbuild bool
	for _, st := range r.sup.Status() {
		for _, m := range procutil.GroupMembers(st.PGID, 0) {
			cl := procutil.Cmdline(m.PID)
			members = append(members, member{m.PID, cl})
			sawWorkerd = sawWorkerd || strings.Contains(cl, "workerd")
			sawEsbuild = sawEsbuild || strings.Contains(cl, "esbuild")
		}
	}
	if !sawWorkerd || !sawEsbuild {
		t.Fatalf("test premise: want workerd and esbuild among the groups' processes, got %v", members)
	}
	if !strings.Contains(r.out.String(), "[partykit]") || !strings.Contains(r.out.String(), "[astro]") {
		t.Errorf("missing prefixed output:\n%s", tail(r.out.String(), 2000))
	}
	if err := r.stop(t, 30*time.Second); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, m := range members {
		if alive(m.pid) {
			t.Errorf("pid %d survived the stop: %s", m.pid, m.cmdline)
		}
	}
	for _, port := range []int{pk.Port, as.Port} {
		if err := CheckPort(port); err != nil {
			t.Errorf("after stop: %v", err)
		}
	}
	t.Logf("output:\n%s\nsupervisor log:\n%s", tail(r.out.String(), 3000), r.diag.String())
	if strings.Contains(r.diag.String(), "SIGKILL") {
		t.Errorf("the dev servers should stop on SIGTERM alone:\n%s", r.diag.String())
	}
}

// BenchmarkStartStop measures, per op, one full start-to-ready-to-gone cycle; the
// ready-ms and stop-ms metrics split it. Compare the stack with each child alone.
func BenchmarkStartStop(b *testing.B) {
	for _, which := range []string{"stack", "partykit-alone", "astro-alone"} {
		b.Run(which, func(b *testing.B) {
			var ready, stop time.Duration
			for i := 0; i < b.N; i++ {
				pk, as := realSpecs(b)
				api := answersStub(b)
				as.DependsOn = []string{"answers"} // arena-dev's default layout
				specs := map[string][]ServiceSpec{"stack": {api, pk, as}, "partykit-alone": {pk}, "astro-alone": {as}}[which]
				if which == "astro-alone" {
					specs[0].DependsOn = nil
				}
				sup, err := New(specs, Options{Output: &testenv.SyncBuffer{}})
				if err != nil {
					b.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				t0 := time.Now()
				errc := make(chan error, 1)
				go func() { errc <- sup.Run(ctx) }()
				wctx, wcancel := context.WithTimeout(context.Background(), 120*time.Second)
				err = sup.WaitReady(wctx)
				wcancel()
				t1 := time.Now()
				var pgids []int
				for _, st := range sup.Status() {
					pgids = append(pgids, st.PGID)
				}
				cancel()
				if rerr := <-errc; err != nil || rerr != nil {
					b.Fatalf("ready: %v, run: %v", err, rerr)
				}
				for _, g := range pgids {
					if g != 0 && procutil.GroupAlive(g) {
						b.Fatalf("group %d still alive after Run returned", g)
					}
				}
				ready += t1.Sub(t0)
				stop += time.Since(t1)
			}
			b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ready-ms")
			b.ReportMetric(float64(stop.Milliseconds())/float64(b.N), "stop-ms")
		})
	}
}

// answersStub is an in-process HTTP service standing where arena-dev's answers API
// runs, so the benchmarked stack has the real shape (astro depends on it).
func answersStub(tb testing.TB) ServiceSpec {
	port := testenv.FreePort(tb)
	return ServiceSpec{Service: project.Service{Name: "answers", Port: port}, Run: func(ctx context.Context, ready func(), log LineWriter) error {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "[]") })}
		go func() { <-ctx.Done(); srv.Close() }()
		ready()
		if err := srv.Serve(l); err != http.ErrServerClosed {
			return err
		}
		return nil
	}}
}

// TestRealDevServersOnATakenPortFail takes each server's port after the preflight
// (an in-process dependency binds it) to check the fail patterns against the real
// tools: partykit would never exit, astro would hop or exit. Both must end Failed,
// naming the line, with nothing of their groups left.
func TestRealDevServersOnATakenPortFail(t *testing.T) {
	pk, as := realSpecs(t)
	thief := ServiceSpec{Service: project.Service{Name: "thief"}, Run: func(ctx context.Context, ready func(), log LineWriter) error {
		var ls []net.Listener
		for _, addr := range []string{fmt.Sprintf("0.0.0.0:%d", pk.Port), fmt.Sprintf("127.0.0.1:%d", as.Port)} {
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			defer l.Close()
			ls = append(ls, l)
		}
		log.WriteLine(fmt.Sprintf("holding %d listeners", len(ls)))
		ready()
		<-ctx.Done()
		return nil
	}}
	pk.DependsOn, as.DependsOn = []string{"thief"}, []string{"thief"}
	r := start(t, []ServiceSpec{thief, pk, as}, Options{})
	p := r.waitState(t, "partykit", runstate.StateFailed, 60*time.Second)
	a := r.waitState(t, "astro", runstate.StateFailed, 60*time.Second)
	if !strings.Contains(p.LastError, "Address already in use") {
		t.Errorf("partykit: %q", p.LastError)
	}
	if !strings.Contains(a.LastError, fmt.Sprintf("Port %d is", as.Port)) {
		t.Errorf("astro: %q", a.LastError)
	}
	for _, st := range []runstate.ServiceStatus{p, a} {
		if procutil.GroupAlive(st.PGID) {
			t.Errorf("%s: processes of group %d left: %v", st.Name, st.PGID, procutil.GroupMembers(st.PGID, 0))
		}
	}
	if st := r.sup.Status()[0]; st.State != runstate.StateReady {
		t.Errorf("thief should keep running, is %s", st.State)
	}
}

// TestRealPartykitLeavesNothingAfterSIGKILL SIGKILLs a supervisor running the
// real partykit: node dies (of its death signal on Linux, of the guardian
// elsewhere) and so must workerd, node's child in the same group, which a death
// signal never reaches: the guardian stops the group within guardianLimit,
// before any `up` or `down` runs, and the port is free.
func TestRealPartykitLeavesNothingAfterSIGKILL(t *testing.T) {
	pk, _ := realSpecs(t)
	runDir := t.TempDir()
	owner, _, rf := startOwner(t, runDir, "PK_DIR="+pk.Dir, fmt.Sprintf("PK_PORT=%d", pk.Port))
	pgid := rf.Services[0].PGID
	var workerd []int
	for _, m := range procutil.GroupMembers(pgid, 0) {
		if strings.Contains(procutil.Cmdline(m.PID), "workerd") {
			workerd = append(workerd, m.PID)
		}
	}
	if len(workerd) == 0 {
		t.Fatalf("test premise: partykit's group %d has no workerd", pgid)
	}
	owner.Process.Signal(syscall.SIGKILL)
	<-owner.exited
	killed := time.Now()
	waitFor(t, "partykit's group, workerd included, to be gone", guardianLimit, func() bool { return !procutil.GroupAlive(pgid) })
	t.Logf("group %d (workerd %v) gone %s after the SIGKILL", pgid, workerd, time.Since(killed).Round(time.Millisecond))
	waitFor(t, "the port to be free", 5*time.Second, func() bool { return CheckPort(pk.Port) == nil })
	got, err := ReapSurvivors(runDir, zerolog.Nop())
	if err != nil || len(got) != 0 {
		t.Errorf("ReapSurvivors after the guardian = %+v, %v; want nothing left", got, err)
	}
}
