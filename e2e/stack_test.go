//go:build unix

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// serviceNames are the services of the example stack, as `status --json` names them.
var serviceNames = []string{"answers", "partykit", "astro"}

const (
	readyTimeout   = 120 * time.Second // passed to `up --wait --timeout`
	commandTimeout = 150 * time.Second // for any arena-dev command to return
)

// stack is one test's copy of the example stack and the arena-dev that runs it.
type stack struct {
	t      testing.TB
	bin    string
	dir    string         // private copy of examples/sommelier-arena
	ports  map[string]int // service name -> free port
	logDir string
	tmpDir string // TMPDIR of every arena-dev run: --ephemeral state goes there
	runs   int
	pgids  map[int]bool // every process group seen, for the final cleanup
}

func newStack(t testing.TB) *stack {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("stack prepared in %s", time.Since(start).Round(time.Millisecond)) }()
	s := &stack{
		t:      t,
		bin:    testenv.ArenaDev(t),
		dir:    testenv.ExampleCopy(t),
		ports:  map[string]int{},
		logDir: t.TempDir(),
		tmpDir: t.TempDir(),
		pgids:  map[int]bool{},
	}
	used := map[int]bool{}
	for _, name := range serviceNames {
		p := testenv.FreePort(t)
		for used[p] {
			p = testenv.FreePort(t)
		}
		used[p] = true
		s.ports[name] = p
	}
	t.Cleanup(s.cleanup)
	return s
}

func (s *stack) portList() []int {
	var out []int
	for _, name := range serviceNames {
		out = append(out, s.ports[name])
	}
	return out
}

func (s *stack) portArgs() []string {
	var out []string
	for _, name := range serviceNames {
		out = append(out, "--port", fmt.Sprintf("%s=%d", name, s.ports[name]))
	}
	return out
}

// command prepares an arena-dev run in the stack's dir, in its own process group
// (so nothing it leaves behind shares the test's group), its output to a file: a
// pipe would keep Wait waiting on any background process that inherited it.
func (s *stack) command(args ...string) (*exec.Cmd, string) {
	s.runs++
	logPath := filepath.Join(s.logDir, fmt.Sprintf("%02d-%s.log", s.runs, args[0]))
	f, err := os.Create(logPath)
	if err != nil {
		s.t.Fatalf("creating %s: %v", logPath, err)
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TMPDIR="+s.tmpDir)
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.t.Cleanup(func() { f.Close() })
	return cmd, logPath
}

// run runs an arena-dev command to completion and returns its exit code and output.
func (s *stack) run(args ...string) (int, string) {
	s.t.Helper()
	cmd, logPath := s.command(args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting arena-dev %s: %v", strings.Join(args, " "), err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(commandTimeout):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		s.t.Fatalf("arena-dev %s did not return within %s:\n%s", strings.Join(args, " "), commandTimeout, readFile(logPath))
	}
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		s.t.Fatalf("arena-dev %s: %v", strings.Join(args, " "), err)
	}
	return code, readFile(logPath)
}

// upWait runs `arena-dev up --wait --ephemeral` on the stack's ports and fails the
// test unless it returns 0.
func (s *stack) upWait() {
	s.t.Helper()
	args := append([]string{"up", "--wait", "--timeout", readyTimeout.String(), "--ephemeral"}, s.portArgs()...)
	start := time.Now()
	code, out := s.run(args...)
	if code != 0 {
		s.t.Fatalf("arena-dev %s exited %d after %s:\n%s", strings.Join(args, " "), code, time.Since(start).Round(time.Millisecond), out)
	}
	s.t.Logf("up --wait returned 0 after %s", time.Since(start).Round(time.Millisecond))
}

// down runs `arena-dev down --dir DIR` (from the test's own directory, so --dir is
// what finds the stack) and fails the test unless it returns 0.
func (s *stack) down() {
	s.t.Helper()
	cmd, logPath := s.command("down", "--dir", s.dir)
	cmd.Dir = ""
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("arena-dev down --dir %s: %v\n%s", s.dir, err, readFile(logPath))
	}
}

// serviceStatus is one entry of `arena-dev status --json`.
type serviceStatus struct {
	Name     string `json:"name"`
	State    string `json:"state"`
	PID      int    `json:"pid"`
	Port     int    `json:"port"`
	URL      string `json:"url"`
	Restarts int    `json:"restarts"`
}

type statusReport struct {
	Services []serviceStatus `json:"services"`
}

func (r statusReport) service(name string) (serviceStatus, bool) {
	for _, s := range r.Services {
		if s.Name == name {
			return s, true
		}
	}
	return serviceStatus{}, false
}

// status runs `arena-dev status --json --dir DIR` (exit 0, or 1 when a service is
// not ready); err says why there is no report.
func (s *stack) status() (statusReport, error) {
	cmd, logPath := s.command("status", "--json", "--dir", s.dir)
	cmd.Dir = ""
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	// Exit 1 is a report too: some service is not ready.
	var exit *exec.ExitError
	if err := cmd.Run(); err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return statusReport{}, fmt.Errorf("status --json: %v: %s", err, readFile(logPath))
	}
	var rep statusReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		return statusReport{}, fmt.Errorf("status --json printed %q: %v", stdout.String(), err)
	}
	return rep, nil
}

// allReady returns nil when every service is ready on its port, else what is not.
func (s *stack) allReady(rep statusReport) error {
	var problems []string
	for _, name := range serviceNames {
		svc, ok := rep.service(name)
		switch {
		case !ok:
			problems = append(problems, name+" missing")
		case svc.State != "ready":
			problems = append(problems, fmt.Sprintf("%s is %s", name, svc.State))
		case svc.Port != s.ports[name]:
			problems = append(problems, fmt.Sprintf("%s on port %d, want %d", name, svc.Port, s.ports[name]))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// checkServing fails unless each service answers HTTP on its port.
func (s *stack) checkServing() {
	s.t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range []struct {
		name, path string
		want       func(int) bool
	}{
		{"answers", "/answers", func(c int) bool { return c == 200 }},
		{"partykit", "/parties/main/e2e-probe", func(c int) bool { return c == 200 }},
		{"astro", "/", func(c int) bool { return c == 200 }},
	} {
		url := fmt.Sprintf("http://127.0.0.1:%d%s", s.ports[c.name], c.path)
		res, err := client.Get(url)
		if err != nil {
			s.t.Fatalf("%s is reported ready but GET %s fails: %v", c.name, url, err)
		}
		res.Body.Close()
		if !c.want(res.StatusCode) {
			s.t.Fatalf("%s: GET %s = %d", c.name, url, res.StatusCode)
		}
	}
}

// stackIDs are the pids and process groups of a running stack: from `status --json`
// and from the processes working in the stack's dir.
func (s *stack) stackIDs(rep statusReport) (pids []int, pgids map[int]bool) {
	s.t.Helper()
	pgids = map[int]bool{}
	for _, svc := range rep.Services {
		if svc.PID <= 0 {
			continue
		}
		pids = append(pids, svc.PID)
		if p, ok := readProc(svc.PID); ok {
			pgids[p.PGID] = true
		}
	}
	for _, p := range stackProcs(s.dir) {
		pgids[p.PGID] = true
	}
	delete(pgids, syscall.Getpgrp())
	for g := range pgids {
		s.pgids[g] = true
	}
	return pids, pgids
}

// ephemeralDirs lists --ephemeral state left behind: arena-dev keeps it in the run
// directory (so the next up can remove what a killed run left) and nothing in TMPDIR.
func (s *stack) ephemeralDirs() []string {
	left, _ := filepath.Glob(filepath.Join(s.tmpDir, "arena-dev-state-*"))
	ours := filepath.Join(s.dir, ".wrangler", "arena-dev", "ephemeral-state")
	if _, err := os.Stat(ours); err == nil {
		left = append(left, ours)
	}
	return left
}

// assertGone is assertStackGone for this stack, plus: no --ephemeral state left.
func (s *stack) assertGone(what string, pids []int, pgids map[int]bool, ports []int) {
	s.t.Helper()
	assertStackGone(s.t, what, s.dir, pids, pgids, ports)
	if left := s.ephemeralDirs(); len(left) > 0 {
		s.t.Errorf("%s: --ephemeral state not removed: %q", what, left)
	}
}

// foreground is an `arena-dev up` running in the foreground.
type foreground struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

func (s *stack) startForeground() *foreground {
	s.t.Helper()
	args := append([]string{"up", "--ephemeral"}, s.portArgs()...)
	cmd, logPath := s.command(args...)
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting arena-dev up: %v", err)
	}
	fg := &foreground{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	s.pgids[cmd.Process.Pid] = true
	go func() { fg.err = cmd.Wait(); close(fg.done) }()
	s.t.Cleanup(func() {
		select {
		case <-fg.done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-fg.done
		}
	})
	return fg
}

func (fg *foreground) exited() bool {
	select {
	case <-fg.done:
		return true
	default:
		return false
	}
}

// waitReady polls `status --json` until every service is ready; it fails early
// when the foreground arena-dev exits.
func (s *stack) waitReady(fg *foreground) statusReport {
	s.t.Helper()
	start := time.Now()
	deadline := start.Add(readyTimeout)
	lastErr := errors.New("no status yet")
	for time.Now().Before(deadline) {
		if fg != nil && fg.exited() {
			s.t.Fatalf("arena-dev up exited (%v) before the stack was ready:\n%s", fg.err, readFile(fg.logPath))
		}
		rep, err := s.status()
		if err == nil {
			if err = s.allReady(rep); err == nil {
				s.checkServing()
				s.t.Logf("stack ready after %s", time.Since(start).Round(time.Millisecond))
				return rep
			}
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	out := ""
	if fg != nil {
		out = readFile(fg.logPath)
	}
	s.t.Fatalf("stack not ready within %s: %v\n%s", readyTimeout, lastErr, out)
	return statusReport{}
}

// waitExit waits for the foreground arena-dev to exit, failing after limit.
func (fg *foreground) waitExit(t testing.TB, limit time.Duration) {
	t.Helper()
	select {
	case <-fg.done:
	case <-time.After(limit):
		t.Fatalf("arena-dev up still running %s after the signal:\n%s", limit, readFile(fg.logPath))
	}
}

// cleanup stops whatever a test left running and dumps arena-dev's output when
// the test failed.
func (s *stack) cleanup() {
	if left := stackProcs(s.dir); len(left) > 0 || len(groupProcs(s.pgids)) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, s.bin, "down", "--dir", s.dir)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		_ = cmd.Run()
		cancel()
		killLeftovers(s.t, s.dir, s.pgids)
	}
	if s.t.Failed() {
		logs, _ := filepath.Glob(filepath.Join(s.logDir, "*.log"))
		for _, l := range logs {
			if out := readFile(l); out != "" {
				s.t.Logf("--- %s\n%s", filepath.Base(l), out)
			}
		}
	}
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	return string(b)
}
