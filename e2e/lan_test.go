//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/browser"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestLANAccess: `up` with [answers] host = "0.0.0.0", reached from a network
// namespace over a veth pair (a device on the LAN, docs/security.md): the API
// answers by the machine's address; every change under /_arena without the
// token is refused, also with a forged Host: 127.0.0.1, also on paths no route
// serves (the guard judges before routing, so a new endpoint cannot be left
// open); with the token the dashboard's changes all work.
func TestLANAccess(t *testing.T) {
	l := newLAN(t)
	s := newStack(t)
	tool := testenv.FreePort(t)
	toml := strings.Replace(string(config.Template), `host = "127.0.0.1"`, `host = "0.0.0.0"`, 1) + fmt.Sprintf(`
[services.tool]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end('tool')).listen(%d,'127.0.0.1')"]
port = %d
`, tool, tool)
	writeFile(t, filepath.Join(s.dir, config.FileName), toml)
	args := append([]string{"up", "--wait", "--json", "--ephemeral", "--timeout", readyTimeout.String()}, s.portArgs()...)
	code, out := s.run(append(args, "answers", "tool")...)
	if code != 0 {
		t.Fatalf("up --wait answers tool: exit %d\n%s", code, out)
	}
	var up struct{ Token string }
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &up); err != nil || len(up.Token) < 32 {
		t.Fatalf("up --wait --json: no token (%v):\n%s", err, out)
	}
	// status --json prints it too, since the stack is bound beyond loopback.
	if code, out := s.run("status", "--json"); code != 0 || !strings.Contains(out, `"token": "`+up.Token+`"`) {
		t.Errorf("status --json (bound to 0.0.0.0) does not print the token: exit %d\n%s", code, out)
	}

	if code, out := s.run("snapshot", "save", "lan"); code != 0 {
		t.Fatalf("snapshot save lan: exit %d\n%s", code, out)
	}
	port := s.ports["answers"]
	base := fmt.Sprintf("http://%s:%d", l.hostIP, port)
	dev := l.client()
	type reply struct {
		code   int
		body   string
		header http.Header
	}
	do := func(method, path, host string, hdr ...string) reply {
		t.Helper()
		var body io.Reader
		if method == "PUT" || method == "POST" {
			body = strings.NewReader(`{"value":"[]"}`)
		}
		req, _ := http.NewRequest(method, base+path, body)
		req.Header.Set("Content-Type", "application/json")
		if host != "" {
			req.Host = host
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := dev.Do(req)
		if err != nil {
			t.Fatalf("%s %s from the namespace: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return reply{res.StatusCode, string(b), res.Header}
	}

	// The API answers a device that uses the machine's address; a name is still
	// refused (DNS rebinding needs one).
	colors := do("GET", "/answers/color", "")
	if colors.code != 200 || !strings.Contains(colors.body, `"id":"red"`) {
		t.Fatalf("GET /answers/color from the LAN: %d %.200s", colors.code, colors.body)
	}
	if r := do("GET", "/answers/color", fmt.Sprintf("evil.example:%d", port)); r.code != http.StatusMisdirectedRequest {
		t.Errorf("GET /answers/color with Host evil.example: %d, want 421", r.code)
	}
	// Reads of /_arena stay open to it: the dashboard page and the KV browser.
	if r := do("GET", "/_arena/", ""); r.code != 200 || !strings.Contains(r.body, "<html") {
		t.Errorf("GET /_arena/ from the LAN: %d", r.code)
	}
	before, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	toolBefore, _ := before.service("tool")

	// Every change under /_arena: the mounted ones, and paths nothing serves.
	const kvValue = "/_arena/kv/value?ns=wine-answers-ns&key=answers:color"
	mutations := []struct{ method, path string }{
		{"POST", "/_arena/reset"},
		{"POST", "/_arena/reset?snapshot=lan"},
		{"PUT", kvValue},
		{"DELETE", kvValue},
		{"POST", "/_arena/kv/propagate"},
		{"POST", "/_arena/api/services/tool/stop"},
		{"POST", "/_arena/api/services/tool/restart"},
		{"POST", "/_arena/api/services/answers/stop"},
		{"POST", "/_arena/api/services/tool/start"},
		{"PATCH", kvValue},
		{"POST", "/_arena/usage"},
		{"DELETE", "/_arena/lost"},
		{"POST", "/_arena/"},
		{"POST", "/_arena/not-yet-an-endpoint"},
		{"PUT", "/_arena/api/not-yet-an-endpoint"},
		{"OPTIONS", "/_arena/reset"},
	}
	forged := []struct {
		name string
		host string
		hdr  []string
	}{
		{"its own Host", "", nil},
		{"Host: 127.0.0.1", fmt.Sprintf("127.0.0.1:%d", port), nil},
		{"Host: localhost and X-Forwarded-For", "localhost", []string{"X-Forwarded-For", "127.0.0.1", "X-Real-IP", "127.0.0.1", "Forwarded", "for=127.0.0.1"}},
		{"a wrong token", "", []string{"X-Arena-Token", strings.Repeat("0", len(up.Token)), "Authorization", "Bearer nope"}},
		{"a wrong cookie", "", []string{"Cookie", fmt.Sprintf("arena_token_%d=%s", port, strings.Repeat("0", len(up.Token)))}},
	}
	for _, m := range mutations {
		for _, f := range forged {
			r := do(m.method, m.path, f.host, f.hdr...)
			if r.code != http.StatusUnauthorized || !strings.Contains(r.body, "token_required") {
				t.Errorf("%s %s from the LAN with %s: %d %.200s, want 401 token_required", m.method, m.path, f.name, r.code, r.body)
			}
		}
	}
	if r := do("GET", "/answers/color", ""); r.body != colors.body {
		t.Errorf("answers:color changed through refused requests:\n%.300s\nwas\n%.300s", r.body, colors.body)
	}
	after, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := after.service("tool"); a.State != "ready" || a.PID != toolBefore.PID || a.Restarts != toolBefore.Restarts {
		t.Fatalf("tool after refused stops and restarts: %+v, before %+v", a, toolBefore)
	}

	// With the token: each mounted change is made (the list above is not stale) ...
	for _, m := range mutations[:5] {
		if r := do(m.method, m.path, "", "X-Arena-Token", up.Token); r.code/100 != 2 {
			t.Errorf("%s %s from the LAN with the token: %d %.200s", m.method, m.path, r.code, r.body)
		}
	}
	// ... and the dashboard works: `open`'s URL sets the cookie and redirects to
	// the clean URL, and the page's own changes go through with that cookie.
	login := do("GET", "/_arena/?token="+up.Token, "")
	cookie := login.header.Get("Set-Cookie")
	if login.code != http.StatusSeeOther || login.header.Get("Location") != "/_arena/" ||
		!strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("GET /_arena/?token=: %d Location %q Set-Cookie %q", login.code, login.header.Get("Location"), cookie)
	}
	jar := []string{"Cookie", strings.SplitN(cookie, ";", 2)[0], "Origin", base}
	var cfg struct{ Writes, Control bool }
	if r := do("GET", "/_arena/config", "", jar...); json.Unmarshal([]byte(r.body), &cfg) != nil || !cfg.Writes || !cfg.Control {
		t.Fatalf("/_arena/config with the cookie: %d %s", r.code, r.body)
	}
	if r := do("PUT", "/_arena/kv/value?ns=wine-answers-ns&key=lan:note", "", jar...); r.code != 200 {
		t.Errorf("the KV browser's PUT with the cookie: %d %s", r.code, r.body)
	}
	if r := do("DELETE", "/_arena/kv/value?ns=wine-answers-ns&key=lan:note", "", jar...); r.code/100 != 2 {
		t.Errorf("the KV browser's DELETE with the cookie: %d %s", r.code, r.body)
	}
	if r := do("POST", "/_arena/api/services/tool/restart", "", jar...); r.code != 200 || !strings.Contains(r.body, `"restarts":1`) {
		t.Fatalf("Restart tool with the cookie: %d %s", r.code, r.body)
	}
	var rep statusReport
	deadline := time.Now().Add(30 * time.Second)
	for {
		if rep, err = s.status(); err != nil {
			t.Fatal(err)
		}
		if a, _ := rep.service("tool"); a.State == "ready" && a.PID != toolBefore.PID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tool not ready again 30s after a Restart with the cookie: %+v", rep)
		}
		time.Sleep(100 * time.Millisecond)
	}
	checkDashboardByAddress(t, s, base, up.Token, rep)

	// From this machine (a loopback peer) a data change needs no token, as the
	// API itself does not; services still do.
	local := fmt.Sprintf("http://127.0.0.1:%d", port)
	for path, want := range map[string]int{"/_arena/reset": 200, "/_arena/api/services/tool/restart": 401} {
		res, err := http.Post(local+path, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("POST %s from loopback without the token: %d, want %d", path, res.StatusCode, want)
		}
	}
	pids, pgids := s.stackIDs(rep)
	s.down()
	s.assertGone("after down", pids, pgids, append(s.portList(), tool))
}

// checkDashboardByAddress: headless Chromium on this machine opens the dashboard
// by the veth's address, so its peer address is that one, not loopback. Without
// the token Restart says to run `arena-dev open` and restarts nothing; opened as
// `arena-dev open` opens it, Restart restarts.
func checkDashboardByAddress(t *testing.T, s *stack, base, token string, rep statusReport) {
	t.Helper()
	tool, _ := rep.service("tool")
	ctx := browser.New(t).Tab()
	row := `document.querySelector('#svc-table tr[data-service="tool"]')`
	dump := `document.body.innerText.slice(0, 600)`
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_arena/")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "tool shown ready", row+`?.dataset.state === "ready"`, dump)
	click(t, ctx, `#svc-table tr[data-service="tool"] button[data-op="restart"]`)
	waitJS(t, ctx, "the no-token message", `document.querySelector("#svc-error").textContent.includes("arena-dev open")`, dump)
	if now, err := s.status(); err != nil {
		t.Fatal(err)
	} else if a, _ := now.service("tool"); a.PID != tool.PID || a.Restarts != tool.Restarts {
		t.Fatalf("Restart without the token restarted tool: %+v, was %+v", a, tool)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_arena/?token="+token)); err != nil {
		t.Fatal(err)
	}
	if u := evalJS[string](t, ctx, `location.href`); u != base+"/_arena/" {
		t.Errorf("after the token URL the page is at %s, want the clean %s/_arena/", u, base)
	}
	if c := evalJS[string](t, ctx, `document.cookie`); c != "" {
		t.Errorf("the page's scripts can read cookies %q; the token's must be HttpOnly", c)
	}
	waitJS(t, ctx, "tool shown ready", row+`?.dataset.state === "ready"`, dump)
	click(t, ctx, `#svc-table tr[data-service="tool"] button[data-op="restart"]`)
	waitJS(t, ctx, "tool restarted by click", fmt.Sprintf(`(r => r && r.dataset.state === "ready" && r.dataset.pid !== "%d" && r.dataset.pid !== "0")(%s)`, tool.PID, row), dump)
}
