//go:build unix

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestControlPlaneOnTheRealStack: restart, stop and start one service of the real
// example stack while the rest keeps running untouched; the control socket is
// 0600; a cross-origin POST to the API on the answers port changes nothing.
func TestControlPlaneOnTheRealStack(t *testing.T) {
	s := newStack(t)
	s.upWait()
	before, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	pid := func(rep statusReport, name string) int { svc, _ := rep.service(name); return svc.PID }

	sock := filepath.Join(s.dir, ".wrangler", "arena-dev", "control.sock")
	if st, err := os.Stat(sock); err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o600 {
		t.Fatalf("control socket %s: %v %v", sock, st, err)
	}

	// restart astro: a new pid that serves again; answers and partykit untouched.
	if code, out := s.run("restart", "astro"); code != 0 || !strings.Contains(out, "astro: ready") {
		t.Fatalf("restart astro: exit %d\n%s", code, out)
	}
	after, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	if pid(after, "astro") == pid(before, "astro") || pid(after, "answers") != pid(before, "answers") || pid(after, "partykit") != pid(before, "partykit") {
		t.Fatalf("pids before %+v, after %+v", before, after)
	}
	if a, _ := after.service("astro"); a.Restarts != 1 {
		t.Errorf("astro restarts %d after a restart by hand", a.Restarts)
	}
	s.checkServing()

	// restart answers: a new in-process API on the same KV state.
	apiURL := fmt.Sprintf("http://127.0.0.1:%d/answers/grape", s.ports["answers"])
	res, err := http.Post(apiURL, "application/json", strings.NewReader(`{"label":"Kept Across Restart"}`))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("POST before restarting answers: %v %v", res, err)
	}
	res.Body.Close()
	if code, out := s.run("restart", "answers"); code != 0 || !strings.Contains(out, "answers: ready") {
		t.Fatalf("restart answers: exit %d\n%s", code, out)
	}
	if body := get(t, apiURL); !strings.Contains(body, "Kept Across Restart") {
		t.Fatalf("the answer written before restarting answers is gone: %.300s", body)
	}

	// stop partykit: its port is free, status exits 1 and says stopped.
	if code, out := s.run("stop", "partykit"); code != 0 {
		t.Fatalf("stop partykit: exit %d\n%s", code, out)
	}
	if err := portFree(s.ports["partykit"]); err != nil {
		t.Fatalf("partykit's port after stop: %v", err)
	}
	code, out := s.run("status", "--dir", s.dir)
	if code != 1 || !strings.Contains(out, "stopped by hand") {
		t.Fatalf("status with partykit stopped: exit %d, want 1\n%s", code, out)
	}
	// start partykit: ready again; status exits 0.
	if code, out := s.run("start", "partykit"); code != 0 || !strings.Contains(out, "partykit: ready") {
		t.Fatalf("start partykit: exit %d\n%s", code, out)
	}
	if code, out := s.run("status"); code != 0 {
		t.Fatalf("status after start: exit %d\n%s", code, out)
	}
	s.checkServing()

	if code, out := s.run("restart", "nope"); code != 2 || !strings.Contains(out, `no service "nope"`) || !strings.Contains(out, "astro") {
		t.Fatalf("restart of an unknown service: exit %d\n%s", code, out)
	}
	if code, out := s.run("logs", "astro", "-n", "5"); code != 0 || !strings.Contains(out, "[astro]") || strings.Count(out, "\n") > 5 {
		t.Fatalf("logs astro -n 5: exit %d\n%s", code, out)
	}
	if code, out := s.run("logs", "nope"); code != 2 || !strings.Contains(out, `"nope"`) {
		t.Fatalf("logs of an unknown service: exit %d\n%s", code, out)
	}

	// The API on the answers port refuses a cross-origin change and a foreign Host.
	api := fmt.Sprintf("http://127.0.0.1:%d/_arena/api/services", s.ports["answers"])
	req, _ := http.NewRequest(http.MethodPost, api+"/astro/stop", nil)
	req.Header.Set("Origin", "http://evil.example")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin POST: %v %v", res, err)
	}
	req, _ = http.NewRequest(http.MethodGet, api, nil)
	req.Host = "evil.example"
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Host: %v %v", res, err)
	}
	if rep, err := s.status(); err != nil || s.allReady(rep) != nil {
		t.Fatalf("after the refused requests: %v %v", err, s.allReady(rep))
	}

	pids, pgids := s.stackIDs(after)
	s.down()
	s.assertGone("after down", pids, pgids, s.portList())
}

// TestUpStartsOnlyWhatItIsAskedFor: `up answers astro` never starts partykit; a
// profile's service starts with --profile, a disabled one does not; an env_file
// value reaches its child.
func TestUpStartsOnlyWhatItIsAskedFor(t *testing.T) {
	s := newStack(t)
	tool, off := testenv.FreePort(t), testenv.FreePort(t)
	toml := string(config.Template) + fmt.Sprintf(`
[services.tool]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end('tool '+process.env.FROM_FILE)).listen(%d,'127.0.0.1')"]
port = %d
profiles = ["tools"]
env_file = ["tool.env"]
[services.off]
command = ["node", "-e", "require('http').createServer(()=>{}).listen(%d,'127.0.0.1')"]
port = %d
disabled = true
`, tool, tool, off, off)
	writeFile(t, filepath.Join(s.dir, config.FileName), toml)
	writeFile(t, filepath.Join(s.dir, "tool.env"), "# read by arena-dev\nFROM_FILE=\"the env file\"\n")
	args := append([]string{"up", "--wait", "--ephemeral", "--timeout", readyTimeout.String(), "--profile", "tools"}, s.portArgs()...)
	args = append(args, "answers", "astro", "tool")
	if code, out := s.run(args...); code != 0 {
		t.Fatalf("up --wait answers astro tool: exit %d\n%s", code, out)
	}
	rep, err := s.status()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"answers": "ready", "astro": "ready", "tool": "ready", "partykit": "stopped", "off": "stopped"} {
		if svc, _ := rep.service(name); svc.State != want || (want == "stopped" && svc.PID != 0) {
			t.Errorf("%s: %+v, want %s (never started)", name, svc, want)
		}
	}
	if err := portFree(s.ports["partykit"]); err != nil {
		t.Errorf("partykit's port: %v", err)
	}
	if body := get(t, fmt.Sprintf("http://127.0.0.1:%d/", tool)); body != "tool the env file" {
		t.Errorf("tool says %q", body)
	}
	pids, pgids := s.stackIDs(rep)
	s.down()
	s.assertGone("after down", pids, pgids, append(s.portList(), tool, off))
}

// TestTimeoutINTStopsGracefully: `timeout -s INT 8 arena-dev up`. coreutils
// timeout delivers its signal twice; that is one stop, not a forced one: nothing
// is forced, the API shuts down, nothing is left.
func TestTimeoutINTStopsGracefully(t *testing.T) {
	s := newStack(t)
	args := append([]string{"-s", "INT", "8", s.bin, "up", "--ephemeral"}, s.portArgs()...)
	cmd := exec.Command("timeout", args...)
	cmd.Dir = s.dir
	logPath := filepath.Join(s.logDir, "timeout-up.log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TMPDIR="+s.tmpDir, "ARENA_DEV_LOG_LEVEL=debug")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.pgids[cmd.Process.Pid] = true
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Note every process the stack starts until it ends, for the leftover check.
	var pids []int
	pgids := map[int]bool{}
	for ended := false; !ended; {
		select {
		case <-done:
			ended = true
		case <-time.After(200 * time.Millisecond):
			if rep, err := s.status(); err == nil {
				p, g := s.stackIDs(rep)
				pids = append(pids, p...)
				for k := range g {
					pgids[k] = true
				}
			}
		}
	}
	out := readFile(logPath)
	for _, bad := range []string{"forcing", "forced stop", "did not finish", "abandon"} {
		if strings.Contains(out, bad) {
			t.Errorf("a graceful stop was expected, the output has %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "in-process service gone") {
		t.Errorf("the answers API's shutdown is not in the output:\n%s", out)
	}
	t.Logf("repeated signal seen: %v", strings.Contains(out, "repeated signal within 500ms"))
	s.assertGone("after timeout -s INT 8", pids, pgids, s.portList())
}

// TestMissingNodeModulesFailsAtOnce: on a fresh copy without node_modules,
// `up --wait` fails within a second with the npm ci hint, and creates no state.
func TestMissingNodeModulesFailsAtOnce(t *testing.T) {
	s := newStack(t)
	if err := os.RemoveAll(filepath.Join(s.dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	code, out := s.run(append([]string{"up", "--wait"}, s.portArgs()...)...)
	took := time.Since(start)
	if code != 2 || !strings.Contains(out, "run `npm ci` in "+s.dir) {
		t.Fatalf("up --wait without node_modules: exit %d after %s\n%s", code, took, out)
	}
	t.Logf("refused after %s: %s", took.Round(time.Millisecond), strings.TrimSpace(out))
	if took > time.Second {
		t.Errorf("took %s, want under 1s", took)
	}
	for _, p := range []string{filepath.Join(s.dir, "wine-answers-worker", ".wrangler", "state"), filepath.Join(s.dir, ".wrangler", "state")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("state created: %s", p)
		}
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
