//go:build unix

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/runstate"
	arenastack "github.com/sommelier-arena/arena-dev/stack"
)

// convergeFlags start and change the stack: free ports, picked once and kept.
var convergeFlags = []string{"--ephemeral", "--ports", "auto", "--timeout", readyTimeout.String()}

// withAstroEnv is the defaults (the template `init` writes) with an env for Astro.
func withAstroEnv(v string) string {
	return strings.Replace(string(config.Template), "depends_on = [\"answers\"]\n",
		fmt.Sprintf("depends_on = [\"answers\"]\nenv = { ARENA_X = %q }\n", v), 1)
}

// live is the services' live states, as `arena-dev status --json` reports them:
// through stack.Attach and the control API, which reads the run file for the
// socket alone. Run-file states may trail the live ones by a moment (the file is
// rewritten after each change is announced; CI clones read "starting" there
// right after up --wait), so the test asks what a user's `status` asks.
func (s *stack) live(t testing.TB) map[string]runstate.ServiceStatus {
	t.Helper()
	r, err := arenastack.Attach(s.dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	svcs, err := r.Control.Services(ctx)
	if err != nil {
		t.Fatalf("the control API: %v", err)
	}
	out := map[string]runstate.ServiceStatus{}
	for _, st := range svcs {
		out[st.Name] = st.ServiceStatus
	}
	return out
}

// runFile is the states as the run file last recorded them (the convergence
// bench polls it every 5 ms: cheaper than asking the control API).
func (s *stack) runFile(t testing.TB) map[string]runstate.ServiceStatus {
	t.Helper()
	rf, err := runstate.ReadRunFile(filepath.Join(s.dir, ".wrangler", "arena-dev"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]runstate.ServiceStatus{}
	for _, st := range rf.Services {
		out[st.Name] = st
	}
	return out
}

// waitChanged polls the live states until cond holds of it, returning it.
func (s *stack) waitChanged(t testing.TB, what string, cond func(map[string]runstate.ServiceStatus) bool) map[string]runstate.ServiceStatus {
	t.Helper()
	var now map[string]runstate.ServiceStatus
	poll(t, what, func() bool {
		now = s.live(t)
		return cond(now)
	})
	return now
}

func allReadyIn(m map[string]runstate.ServiceStatus, names ...string) bool {
	for _, n := range names {
		if m[n].State != runstate.StateReady {
			return false
		}
	}
	return true
}

// samePIDs fails unless the named services kept their processes.
func samePIDs(t testing.TB, what string, was, now map[string]runstate.ServiceStatus, names ...string) {
	t.Helper()
	for _, n := range names {
		if was[n].PID != now[n].PID || now[n].State != runstate.StateReady {
			t.Errorf("%s: %s was touched: pid %d -> %d, %s", what, n, was[n].PID, now[n].PID, now[n].State)
		}
	}
}

// reader reads GET /answers in a loop until stopped, counting failures.
type reader struct {
	ok, failed atomic.Int64
	stop       chan struct{}
	wg         sync.WaitGroup
	firstErr   atomic.Value
}

func readAnswers(port int) *reader {
	r := &reader{stop: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/answers", port)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			select {
			case <-r.stop:
				return
			default:
			}
			res, err := client.Get(url)
			if err == nil {
				res.Body.Close()
				if res.StatusCode != 200 {
					err = fmt.Errorf("GET /answers: %d", res.StatusCode)
				}
			}
			if err != nil {
				r.failed.Add(1)
				r.firstErr.CompareAndSwap(nil, err.Error())
			} else {
				r.ok.Add(1)
			}
		}
	}()
	return r
}

func (r *reader) done() (ok, failed int64, first any) {
	close(r.stop)
	r.wg.Wait()
	return r.ok.Load(), r.failed.Load(), r.firstErr.Load()
}

// TestConvergeOnTheRealStack changes the running example stack in place: through
// `up` (a dry run first, then Astro's env: only Astro restarts while the answers
// API keeps serving; a service added, then removed), then under `up --watch`
// (an edit applied without a command, a broken edit reported with nothing
// stopped, its fix applied, a service's watch glob restarting it with cascade).
func TestConvergeOnTheRealStack(t *testing.T) {
	s := newStack(t)
	toml := filepath.Join(s.dir, config.FileName)
	writeFile(t, toml, withAstroEnv("1"))
	if code, out := s.run(append([]string{"up", "--wait"}, convergeFlags...)...); code != 0 {
		t.Fatalf("up --wait: exit %d\n%s", code, out)
	}
	before := s.live(t)
	if !allReadyIn(before, "answers", "partykit", "astro") {
		t.Fatalf("not ready: %+v", before)
	}
	all := []string{"answers", "partykit", "astro"}

	t.Run("up --dry-run prints the plan and changes nothing", func(t *testing.T) {
		writeFile(t, toml, withAstroEnv("2"))
		code, out := s.run(append([]string{"up", "--dry-run"}, convergeFlags...)...)
		if code != 0 || !strings.Contains(out, "astro: restart (env ARENA_X changed)") || !strings.Contains(out, "partykit: keep") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		samePIDs(t, "after --dry-run", before, s.live(t), all...)
	})

	t.Run("Astro's env: only Astro restarts, and every read of the API succeeds", func(t *testing.T) {
		rd := readAnswers(before["answers"].Port)
		code, out := s.run(append([]string{"up", "--wait"}, convergeFlags...)...)
		ok, failed, first := rd.done()
		if code != 0 || !strings.Contains(out, "astro: restart (env ARENA_X changed)") {
			t.Fatalf("exit %d\n%s", code, out)
		}
		now := s.live(t)
		if now["astro"].PID == before["astro"].PID || now["astro"].State != runstate.StateReady || alive(before["astro"].PID) {
			t.Errorf("astro: pid %d -> %d (%s), old alive %v", before["astro"].PID, now["astro"].PID, now["astro"].State, alive(before["astro"].PID))
		}
		samePIDs(t, "after Astro's change", before, now, "answers", "partykit")
		// status --json and the run file carry each service's config hash.
		for n, st := range s.runFile(t) {
			if st.ConfigHash == "" {
				t.Errorf("the run file has no config hash for %s", n)
			}
		}
		for _, n := range all {
			if changed := now[n].ConfigHash != before[n].ConfigHash; now[n].ConfigHash == "" || changed != (n == "astro") {
				t.Errorf("%s: config hash %q -> %q", n, before[n].ConfigHash, now[n].ConfigHash)
			}
		}
		for _, n := range all {
			if now[n].Port != before[n].Port {
				t.Errorf("%s moved: port %d -> %d (--ports auto must keep the running ports)", n, before[n].Port, now[n].Port)
			}
		}
		t.Logf("%d reads of GET /answers during the change, %d failed", ok, failed)
		if failed != 0 || ok == 0 {
			t.Errorf("%d of %d reads failed (first: %v)", failed, ok+failed, first)
		}
		before = now
	})

	t.Run("a service added, then removed, through up alone", func(t *testing.T) {
		writeFile(t, toml, withAstroEnv("2")+"\n[services.extra]\ncommand = [\"sleep\", \"600\"]\n")
		code, out := s.run(append([]string{"up", "--wait"}, convergeFlags...)...)
		if code != 0 || !strings.Contains(out, "extra: start (added)") {
			t.Fatalf("add: exit %d\n%s", code, out)
		}
		// up --wait waited for every service to be ready; the live list may
		// still be settling the added one by a moment.
		var now map[string]runstate.ServiceStatus
		deadline := time.Now().Add(10 * time.Second)
		for now = s.live(t); now["extra"].State != runstate.StateReady && time.Now().Before(deadline); now = s.live(t) {
			time.Sleep(50 * time.Millisecond)
		}
		extra := now["extra"]
		if extra.State != runstate.StateReady || !alive(extra.PID) {
			t.Fatalf("extra: %+v", extra)
		}
		samePIDs(t, "after the add", before, now, all...)
		writeFile(t, toml, withAstroEnv("2"))
		code, out = s.run(append([]string{"up", "--wait"}, convergeFlags...)...)
		if code != 0 || !strings.Contains(out, "extra: stop (removed)") {
			t.Fatalf("remove: exit %d\n%s", code, out)
		}
		deadline = time.Now().Add(10 * time.Second)
		for now = s.live(t); now["extra"].Name != "" && time.Now().Before(deadline); now = s.live(t) {
			time.Sleep(50 * time.Millisecond)
		}
		if _, listed := now["extra"]; listed || alive(extra.PID) {
			t.Errorf("extra still listed (%v) or alive (%v)", listed, alive(extra.PID))
		}
		samePIDs(t, "after the removal", before, now, all...)
	})

	// A second `up --watch` follows the files for the running stack.
	cmd, logPath := s.command(append([]string{"up", "--watch"}, convergeFlags...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() { // on a failure before the down below
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	poll(t, "up --watch following", func() bool { return strings.Contains(readFile(logPath), "watch: following") })

	t.Run("watch: an edit is applied without a command", func(t *testing.T) {
		saved := time.Now()
		writeFile(t, toml, withAstroEnv("3"))
		now := s.waitChanged(t, "astro restarted by the watch", func(m map[string]runstate.ServiceStatus) bool {
			return m["astro"].PID != before["astro"].PID && m["astro"].State == runstate.StateReady
		})
		t.Logf("saved to astro ready again: %s", time.Since(saved).Round(time.Millisecond))
		samePIDs(t, "after the watched edit", before, now, "answers", "partykit")
		before = now
	})

	t.Run("watch: a broken edit is reported and nothing stops; fixing it applies it", func(t *testing.T) {
		writeFile(t, toml, withAstroEnv("4")+"\n[services.astro\n")
		poll(t, "the broken edit reported", func() bool { return strings.Contains(readFile(logPath), "is not valid") })
		log := readFile(logPath)
		if !strings.Contains(log, config.FileName+":") || !strings.Contains(log, "the running stack is unchanged") {
			t.Errorf("the report does not name file:line:\n%s", log)
		}
		samePIDs(t, "after the broken edit", before, s.live(t), all...)
		for _, n := range all {
			if !alive(before[n].PID) {
				t.Errorf("%s (pid %d) is gone", n, before[n].PID)
			}
		}
		writeFile(t, toml, withAstroEnv("4"))
		now := s.waitChanged(t, "the fix applied", func(m map[string]runstate.ServiceStatus) bool {
			return m["astro"].PID != before["astro"].PID && m["astro"].State == runstate.StateReady
		})
		samePIDs(t, "after the fix", before, now, "answers", "partykit")
		before = now
	})

	t.Run("watch: a service's glob restarts it, and with cascade its dependants", func(t *testing.T) {
		cfg := strings.Replace(withAstroEnv("4"), "ready = { http = \"http://127.0.0.1:${PORT}/\" }   # or", "watch = [\"party/**\"]\ncascade = true\nready = { http = \"http://127.0.0.1:${PORT}/\" }   # or", 1)
		cfg = strings.Replace(cfg, "depends_on = [\"answers\"]\n", "depends_on = [\"answers\", \"partykit\"]\n", 1)
		if !strings.Contains(cfg, "cascade = true") {
			t.Fatal("the template changed: no partykit ready line to add the glob to")
		}
		writeFile(t, toml, cfg)
		// astro's depends_on changed: it restarts; partykit keeps its process.
		now := s.waitChanged(t, "astro restarted for its depends_on", func(m map[string]runstate.ServiceStatus) bool {
			return m["astro"].PID != before["astro"].PID && m["astro"].State == runstate.StateReady
		})
		samePIDs(t, "after adding the glob", before, now, "answers", "partykit")
		before = now
		writeFile(t, filepath.Join(s.dir, "party", "watch-probe.ts"), "export const probe = 1;\n")
		now = s.waitChanged(t, "partykit and astro restarted by the glob", func(m map[string]runstate.ServiceStatus) bool {
			return m["partykit"].PID != before["partykit"].PID && m["astro"].PID != before["astro"].PID &&
				allReadyIn(m, "partykit", "astro")
		})
		samePIDs(t, "after the glob", before, now, "answers")
		if now["partykit"].Restarts != 0 || now["astro"].Restarts != 0 {
			t.Errorf("restart counts %d, %d; a watch restart resets them", now["partykit"].Restarts, now["astro"].Restarts)
		}
		if now["astro"].Started.Before(now["partykit"].Since) {
			t.Errorf("astro (started %s) restarted before partykit was ready (%s)", now["astro"].Started, now["partykit"].Since)
		}
	})

	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	pids, pgids := s.stackIDs(rep)
	var ports []int
	for _, st := range before {
		if st.Port != 0 {
			ports = append(ports, st.Port)
		}
	}
	s.down()
	// The `up --watch` following the stack ends with it.
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Errorf("up --watch still follows a stack that stopped:\n%s", readFile(logPath))
	}
	s.assertGone("after down", pids, pgids, ports)
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, ok := readProc(pid)
	return ok && p.State != "Z"
}
