//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/config"
)

// TestUpGivesUpOnAnAlwaysCrashingService adds to the example stack, through
// arena-dev.toml, a service that exits 3 at once: arena-dev restarts it
// max_restarts times with backoff, then marks it failed, and the real dev servers
// and the API keep serving. SIGINT then stops everything.
func TestUpGivesUpOnAnAlwaysCrashingService(t *testing.T) {
	s := newStack(t)
	toml := string(config.Template) + `
[services.crasher]
shell = "echo crasher starting; exit 3"
restart = { policy = "on-failure", max_restarts = 2, backoff = "50ms", window = "1m" }
`
	if err := os.WriteFile(filepath.Join(s.dir, config.FileName), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	fg := s.startForeground()
	var rep statusReport
	poll(t, "crasher failed and the rest ready", func() bool {
		if fg.exited() {
			t.Fatalf("arena-dev up exited although only one service failed:\n%s", readFile(fg.logPath))
		}
		r, err := s.status()
		if err != nil {
			return false
		}
		c, ok := r.service("crasher")
		if !ok || c.State != "failed" || s.allReady(r) != nil {
			return false
		}
		rep = r
		return true
	})
	if c, _ := rep.service("crasher"); c.Restarts != 2 {
		t.Errorf("crasher restarted %d times, want max_restarts = 2", c.Restarts)
	}
	s.checkServing() // answers, partykit and astro still answer
	// The give-up is announced, naming the service, its exit status and its last lines.
	out := readFile(fg.logPath)
	if !strings.Contains(out, "crasher failed and will not be restarted") || !strings.Contains(out, "exit status 3") {
		t.Errorf("no announcement of the give-up:\n%s", out)
	}
	if code, _ := s.run("status"); code != 1 {
		t.Errorf("status with a failed service: exit %d, want 1", code)
	}
	// Its own lines, prefixed (the give-up announcement quotes them again).
	if got := len(regexp.MustCompile(`(?m)^\[crasher\] +crasher starting$`).FindAllString(readFile(fg.logPath), -1)); got != 3 {
		t.Errorf("crasher started %d times, want 3 (first start + 2 restarts)", got)
	}
	pids, pgids := s.stackIDs(rep)
	if err := fg.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	fg.waitExit(t, time.Minute)
	s.assertGone("after SIGINT", pids, pgids, s.portList())
}
