//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// echoService is a custom service in arena-dev.toml: a small Node HTTP server on
// its own port that reports the env arena-dev gave it.
const echoService = `
[services.echo]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end('echo '+process.env.GREETING+' '+process.env.PUBLIC_ANSWERS_URL)).listen(+process.env.PORT,'127.0.0.1')"]
port = 3100
env = { GREETING = "hello" }
ready = { http = "http://127.0.0.1:${PORT}/" }
`

// TestOneModelOnTheRealExample: on the example with every port moved, a service
// added in arena-dev.toml runs beside the real dev servers; the API allows the
// moved Astro origin and one from the Worker's .dev.vars; status and down work
// from src/; and kv at the root lists what up seeded, in the same state.
func TestOneModelOnTheRealExample(t *testing.T) {
	s := newStack(t)
	echoPort := testenv.FreePort(t)
	if err := os.WriteFile(filepath.Join(s.dir, config.FileName), append(config.Template, echoService...), 0o644); err != nil {
		t.Fatal(err)
	}
	devVars := filepath.Join(s.dir, "wine-answers-worker", ".dev.vars")
	if err := os.WriteFile(devVars, []byte("CORS_ORIGINS=\"http://devvars.example:1234\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"up", "--wait", "--timeout", readyTimeout.String(), "--port", fmt.Sprintf("echo=%d", echoPort)}, s.portArgs()...)
	if code, out := s.run(args...); code != 0 {
		t.Fatalf("up --wait: exit %d\n%s", code, out)
	}
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.allReady(rep); err != nil {
		t.Fatal(err)
	}
	if echo, ok := rep.service("echo"); !ok || echo.State != "ready" || echo.Port != echoPort {
		t.Fatalf("echo in status: %+v (found %v)", echo, ok)
	}
	pids, pgids := s.stackIDs(rep)

	// The custom service got its env from the model, the API URL on its moved port.
	body := get(t, fmt.Sprintf("http://127.0.0.1:%d/", echoPort))
	if want := fmt.Sprintf("echo hello http://127.0.0.1:%d", s.ports["answers"]); body != want {
		t.Errorf("echo says %q, want %q", body, want)
	}

	// CORS: the moved Astro origin and the .dev.vars one pass; another does not.
	for origin, want := range map[string]int{
		fmt.Sprintf("http://127.0.0.1:%d", s.ports["astro"]): http.StatusNoContent,
		fmt.Sprintf("http://localhost:%d", s.ports["astro"]): http.StatusNoContent,
		"http://devvars.example:1234":                        http.StatusNoContent,
		"http://127.0.0.1:4321":                              http.StatusForbidden, // astro's default port: not this stack's
	} {
		if got := preflight(t, s.ports["answers"], origin); got != want {
			t.Errorf("preflight from %s: %d, want %d", origin, got, want)
		}
	}

	// status and down from a subdirectory without an arena-dev.toml.
	src := filepath.Join(s.dir, "src")
	cmd, logPath := s.command("status", "--json")
	cmd.Dir = src
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("status from src/: %v\n%s", err, readFile(logPath))
	}
	var fromSrc statusReport
	if err := json.Unmarshal(stdout.Bytes(), &fromSrc); err != nil || s.allReady(fromSrc) != nil {
		t.Fatalf("status from src/: %v %v\n%s", err, s.allReady(fromSrc), stdout.String())
	}

	// kv at the root reads the state up serves (no flags: the project's namespace).
	code, out := s.run("kv", "key", "list", "--prefix", "answers:")
	if code != 0 || !strings.Contains(out, `"name": "answers:color"`) || !strings.Contains(out, `"name": "answers:wine"`) {
		t.Fatalf("kv key list at the root: exit %d\n%s", code, out)
	}
	code, out = s.run("kv", "key", "get", "answers:grape", "--namespace-id", "wine-answers-ns")
	if code != 0 || !strings.Contains(out, `"label":"Merlot"`) {
		t.Fatalf("kv key get --namespace-id at the root: exit %d\n%.500s", code, out)
	}

	cmd, logPath = s.command("down")
	cmd.Dir = src
	if err := cmd.Run(); err != nil || !strings.Contains(readFile(logPath), "stopped") {
		t.Fatalf("down from src/: %v\n%s", err, readFile(logPath))
	}
	s.assertGone("after down from src/", pids, pgids, append(s.portList(), echoPort))
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// preflight sends the browser's CORS preflight for a POST of JSON to the API.
func preflight(t *testing.T, port int, origin string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodOptions, fmt.Sprintf("http://127.0.0.1:%d/answers/color", port), nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
