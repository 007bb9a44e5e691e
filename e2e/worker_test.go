//go:build unix

package e2e

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// `up --answers worker` on the real example: the answers service is the project's
// own Worker under wrangler dev, supervised like any other, on the state kv and
// seed use.
func TestUpAnswersWorker(t *testing.T) {
	s := newStack(t)
	args := append([]string{"up", "--wait", "--timeout", readyTimeout.String(), "--answers", "worker"}, s.portArgs()...)
	if code, out := s.run(args...); code != 0 {
		t.Fatalf("up --answers worker exited %d:\n%s", code, out)
	}
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.allReady(rep); err != nil {
		t.Fatal(err)
	}
	first, _ := rep.service("answers")
	if p, ok := readProc(first.PID); !ok || !strings.Contains(p.Cmdline, "wrangler dev") {
		t.Fatalf("the answers service (pid %d) is not wrangler dev: %+v", first.PID, p)
	}
	s.checkServing()
	api := fmt.Sprintf("http://127.0.0.1:%d", s.ports["answers"])
	labels := seedLabels(t)

	t.Run("the Astro page shows the seeded answers the Worker serves", func(t *testing.T) {
		page := html.UnescapeString(get(t, fmt.Sprintf("http://127.0.0.1:%d/", s.ports["astro"])))
		if !strings.Contains(page, api) || strings.Contains(page, "is not reachable") {
			t.Fatalf("the page does not show answers from %s:\n%.400s", api, page)
		}
		for _, cat := range []string{"color", "grape"} {
			for _, l := range labels[cat] {
				if !strings.Contains(page, l) {
					t.Errorf("seed %s %q not on the page", cat, l)
				}
			}
		}
	})

	t.Run("a POST through the Worker is read back by kv key get", func(t *testing.T) {
		status, body := send(t, "POST", api+"/answers/grape", `{"label": "Žametovka"}`)
		if status != 201 {
			t.Fatalf("POST: %d %s", status, body)
		}
		code, out := s.run("kv", "key", "get", "answers:grape")
		if code != 0 || !strings.Contains(out, `"id":"zametovka","label":"Žametovka","custom":true`) {
			t.Fatalf("kv key get answers:grape exited %d:\n%.300s", code, out)
		}
	})

	t.Run("seed --reset while the Worker runs is served at once", func(t *testing.T) {
		if code, out := s.run("seed", "--reset"); code != 0 {
			t.Fatalf("seed --reset: %s", out)
		}
		// No wait, no retry: the Worker reads KV on every request.
		if grape := get(t, api+"/answers/grape"); strings.Contains(grape, "zametovka") {
			t.Fatalf("the Worker still serves the custom answer after seed --reset: %.200s", grape)
		}
	})

	t.Run("conformance against the running Worker passes and leaves the data as it was", func(t *testing.T) {
		before := get(t, api+"/answers")
		code, out := s.run("conformance")
		if code != 0 || !strings.Contains(out, "11 passed, 0 failed") || !strings.Contains(out, "arena-dev extensions: false") {
			t.Fatalf("conformance exited %d:\n%s", code, out)
		}
		if after := get(t, api+"/answers"); after != before {
			t.Errorf("the suite's changes were not put back:\nbefore %.200s\nafter  %.200s", before, after)
		}
	})

	t.Run("restart answers restarts wrangler dev", func(t *testing.T) {
		if code, out := s.run("restart", "answers", "--dir", s.dir); code != 0 {
			t.Fatalf("restart answers: %s", out)
		}
		rep, err := s.status()
		if err != nil {
			t.Fatal(err)
		}
		now, _ := rep.service("answers")
		if now.PID == first.PID || now.State != "ready" || now.Restarts != 1 {
			t.Fatalf("after restart: %+v (was pid %d)", now, first.PID)
		}
		if _, ok := readProc(first.PID); ok {
			if p, _ := readProc(first.PID); p.State != "Z" {
				t.Errorf("the old wrangler dev (pid %d) still runs: %+v", first.PID, p)
			}
		}
		if !strings.Contains(get(t, api+"/healthz"), `"ok":true`) {
			t.Errorf("the restarted Worker does not answer /healthz")
		}
	})

	rep, err = s.status()
	if err != nil {
		t.Fatal(err)
	}
	pids, pgids := s.stackIDs(rep)
	if len(helpers(s.dir)) == 0 {
		t.Fatalf("no workerd of this copy runs: the check after down would prove nothing")
	}
	s.down()
	s.assertGone("after down", pids, pgids, s.portList())
	// wrangler's helpers by name: neither workerd nor esbuild of this copy survives.
	for _, p := range helpers(s.dir) {
		t.Errorf("left after down: %s", p)
	}
}

// helpers are the live workerd and esbuild processes run from the copy in dir.
func helpers(dir string) []proc {
	var out []proc
	for _, p := range liveProcs() {
		if strings.Contains(p.Cmdline, dir) && (strings.Contains(p.Cmdline, "workerd") || strings.Contains(p.Cmdline, "esbuild")) {
			out = append(out, p)
		}
	}
	return out
}

func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res.StatusCode, string(b)
}
