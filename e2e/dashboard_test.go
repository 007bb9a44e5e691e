//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sommelier-arena/arena-dev/internal/browser"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// TestDashboardOnTheRealStack drives the dashboard in headless Chromium against
// the real example stack: services live through the event stream (a restart by
// click), the logs panel (the new start, a request to Astro), the KV browser, the
// admin view (an answer added by click is in the API and in KV), a real lost
// update (the API's write overwritten by another process) re-added by click, the
// guard (foreign Origin, foreign Host), the first load's size and time, and the
// screenshots.
func TestDashboardOnTheRealStack(t *testing.T) {
	s := newStack(t)
	s.upWait()
	base := fmt.Sprintf("http://127.0.0.1:%d", s.ports["answers"])
	dash := base + "/_arena/"
	shots := t.TempDir()
	state := filepath.Join(s.dir, ".wrangler", "arena-dev", "ephemeral-state")
	if out := readFile(filepath.Join(s.logDir, "01-up.log")); !strings.Contains(out, "dashboard: "+dash) {
		t.Errorf("up --wait does not print the dashboard's URL %s:\n%s", dash, out)
	}
	b := browser.New(t)

	ctx := b.Tab()
	// Opened as `arena-dev open` opens it: with the stack's token once, which
	// the page keeps as its cookie (Restart needs it, docs/security.md).
	rf, err := runstate.ReadRunFile(filepath.Join(s.dir, ".wrangler", "arena-dev"))
	if err != nil || rf.Token == "" {
		t.Fatalf("the run file has no token: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(dash+"?token="+rf.Token)); err != nil {
		t.Fatal(err)
	}
	rows := `JSON.stringify([...document.querySelectorAll("#svc-table tbody tr")].map(r => [r.dataset.service, r.dataset.state, r.dataset.pid, r.dataset.restarts]))`
	waitJS(t, ctx, "three services ready", `["answers","partykit","astro"].every(n => document.querySelector('#svc-table tr[data-service="'+n+'"]')?.dataset.state === "ready")`, rows)
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	astro, _ := rep.service("astro")
	if shown := evalJS[string](t, ctx, `document.querySelector('#svc-table tr[data-service="astro"]').dataset.pid`); shown != strconv.Itoa(astro.PID) {
		t.Fatalf("astro's pid on the page %s, status says %d", shown, astro.PID)
	}
	if href := evalJS[string](t, ctx, `document.querySelector('#svc-table tr[data-service="astro"] a').href`); href != fmt.Sprintf("http://127.0.0.1:%d/", s.ports["astro"]) {
		t.Errorf("astro's port link %q", href)
	}

	// Restart astro by click: more restarts, a new pid, and the new start in the logs.
	click(t, ctx, `#svc-table tr[data-service="astro"] button[data-op="restart"]`)
	restarted := fmt.Sprintf(`(() => { const r = document.querySelector('#svc-table tr[data-service="astro"]'); return r && r.dataset.state === "ready" && +r.dataset.restarts > %d && r.dataset.pid !== "%d" && r.dataset.pid !== "0"; })()`, astro.Restarts, astro.PID)
	waitJS(t, ctx, "astro restarted", restarted, rows)
	newPID := evalJS[string](t, ctx, `document.querySelector('#svc-table tr[data-service="astro"]').dataset.pid`)
	if rep, err := s.status(); err != nil {
		t.Fatal(err)
	} else if a, _ := rep.service("astro"); strconv.Itoa(a.PID) != newPID || a.Restarts != astro.Restarts+1 {
		t.Fatalf("the page shows astro pid %s; status says %+v", newPID, a)
	}
	logText := `document.querySelector("#log-view").innerText.slice(-3000)`
	waitJS(t, ctx, "the new start in the logs", fmt.Sprintf(`[...document.querySelectorAll('#log-view .ln[data-service="astro"]')].some(l => l.textContent.includes("started pid %s"))`, newPID), logText)

	// A request to Astro shows in the logs panel (Astro logs its path).
	probe := fmt.Sprintf("/dashboard-probe-%d", time.Now().UnixNano())
	if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", s.ports["astro"], probe)); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	waitJS(t, ctx, "the request to Astro in the logs", fmt.Sprintf(`[...document.querySelectorAll('#log-view .ln[data-service="astro"]')].some(l => l.textContent.includes(%q))`, probe), logText)
	if esc := evalJS[bool](t, ctx, `document.querySelector("#log-view").textContent.includes("\u001b")`); esc {
		t.Error("the logs panel shows escape codes")
	}

	// The KV browser lists answers:color and shows its JSON.
	waitJS(t, ctx, "answers:color listed", `document.querySelector('#kv-keys button[data-key="answers:color"]') !== null`, `document.querySelector("#kv").innerText`)
	click(t, ctx, `#kv-keys button[data-key="answers:color"]`)
	waitJS(t, ctx, "answers:color's JSON", `document.querySelector("#kv-value")?.dataset.encoding === "json" && document.querySelector("#kv-value").textContent.includes('"id": "red"')`, `document.querySelector("#kv-detail").innerText`)

	screenshot(t, ctx, shots, "dashboard-wide.png", 1280)

	// Add an answer in the admin view: in the API and in KV.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#ans-cat"), "grape"), chromedp.SetValue(chromedp.CSS("#ans-label"), "Prokupac")); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `#ans-add button[type=submit]`)
	inList := `document.querySelector('#ans-lists .cat[data-category="grape"] li[data-id="prokupac"]') !== null`
	waitJS(t, ctx, "Prokupac in the grape list", inList, `document.querySelector("#ans-error").textContent`)
	if !strings.Contains(getBody(t, base+"/answers/grape"), `"label":"Prokupac"`) {
		t.Fatal("GET /answers/grape lacks Prokupac")
	}
	if code, out := s.run("kv", "key", "get", "answers:grape", "--persist-to", state); code != 0 || !strings.Contains(out, `"label":"Prokupac"`) {
		t.Fatalf("kv key get answers:grape: exit %d\n%.300s", code, out)
	}
	// The same validation as the front end: a duplicate is refused with the API's message.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#ans-label"), "PROKUPAC")); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `#ans-add button[type=submit]`)
	waitJS(t, ctx, "the API's duplicate error", `document.querySelector("#ans-error").dataset.code === "duplicate" && document.querySelector("#ans-error").textContent.includes("already has")`, `document.querySelector("#ans-error").textContent`)

	// A real lost update: another process (arena-dev kv) rewrites grape without
	// the entry the API just wrote; the page warns and re-adds it by click.
	var grape []map[string]any
	if code, out := s.run("kv", "key", "get", "answers:grape", "--persist-to", state); code != 0 || json.Unmarshal([]byte(out), &grape) != nil {
		t.Fatalf("kv key get: exit %d\n%.300s", code, out)
	}
	kept := grape[:0]
	for _, e := range grape {
		if e["id"] != "prokupac" {
			kept = append(kept, e)
		}
	}
	if code, out := s.run("kv", "key", "put", "answers:grape", jsonString(kept), "--persist-to", state); code != 0 {
		t.Fatalf("kv key put: exit %d\n%s", code, out)
	}
	click(t, ctx, "#lost-check")
	readd := `#lost .lost[data-category="grape"] li[data-id="prokupac"] button`
	waitJS(t, ctx, "the lost-update warning", fmt.Sprintf(`document.querySelector(%q) !== null`, readd), `document.querySelector("#lost").innerText`)
	waitJS(t, ctx, "the API's warning in the logs", `[...document.querySelectorAll('#log-view .ln[data-service="answers"]')].some(l => l.textContent.includes("changed underneath") && l.textContent.includes("prokupac"))`, logText)
	if strings.Contains(getBody(t, base+"/answers/grape"), `"prokupac"`) {
		t.Fatal("prokupac is still in grape: no update was lost")
	}
	click(t, ctx, readd)
	waitJS(t, ctx, "re-added", `document.querySelector('#lost .lost[data-category="grape"] li[data-id="prokupac"] .restored') !== null && `+inList, `document.querySelector("#lost").innerText`)
	if !strings.Contains(getBody(t, base+"/answers/grape"), `"label":"Prokupac"`) {
		t.Fatal("GET /answers/grape lacks Prokupac after the re-add")
	}

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(400, 900)); err != nil {
		t.Fatal(err)
	}
	if w := evalJS[float64](t, ctx, `document.documentElement.scrollWidth`); w > 400 {
		t.Errorf("at 400px the page is %v px wide: it scrolls sideways", w)
	}
	screenshot(t, ctx, shots, "dashboard-narrow.png", 400)

	checkDashboardGuard(t, s, base, state)

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	checkTenThousandLines(t, ctx, base)

	// Close this page's two streams first: Chromium allows 6 connections per host,
	// and a second dashboard open would hold two of them.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	// The first load, cold, five times, on the settled stack: bytes and time to the services panel.
	var times []float64
	for i := range 5 {
		fl := measureFirstLoad(t, b.Tab(), dash)
		t.Logf("first load %d: %d bytes in %d requests; services filled at %.0f ms, DOMContentLoaded %.0f ms", i+1, fl.Bytes, fl.Requests, fl.ServicesFilled, fl.DOMContent)
		if fl.Bytes <= 0 || fl.Bytes > 150_000 {
			t.Errorf("first load moved %d bytes, want under 150,000", fl.Bytes)
		}
		times = append(times, fl.ServicesFilled)
	}
	t.Logf("first load: services filled at %.0f ms (median of 5)", median(times))

}

// checkDashboardGuard: a cross-origin change and a foreign Host are refused and
// change nothing.
func checkDashboardGuard(t *testing.T, s *stack, base, state string) {
	t.Helper()
	before, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, origin, host, body string }{
		{"PUT", "/_arena/kv/value?ns=wine-answers-ns&key=answers:color", "http://evil.example", "", `{"value":"[]"}`},
		{"DELETE", "/_arena/kv/value?ns=wine-answers-ns&key=answers:color", "http://evil.example", "", ""},
		{"POST", "/_arena/api/services/astro/stop", "http://evil.example", "", ""},
		{"PUT", "/_arena/kv/value?ns=wine-answers-ns&key=answers:color", "", "evil.example", `{"value":"[]"}`},
		{"GET", "/_arena/", "", "evil.example", ""},
		{"GET", "/_arena/kv/value?ns=wine-answers-ns&key=answers:color", "", "evil.example", ""},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.host != "" {
			req.Host = c.host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s (Origin %q, Host %q): %d %s, want 403", c.method, c.path, c.origin, c.host, res.StatusCode, body)
		}
	}
	if code, out := s.run("kv", "key", "get", "answers:color", "--persist-to", state); code != 0 || !strings.Contains(out, `"id":"red"`) {
		t.Fatalf("answers:color after the refused requests: exit %d %.200s", code, out)
	}
	after, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := before.service("astro")
	a, _ := after.service("astro")
	if a.State != "ready" || a.PID != b.PID {
		t.Fatalf("astro after a refused stop: %+v, before %+v", a, b)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return string(b)
}
