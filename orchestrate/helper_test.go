//go:build unix

package orchestrate

import (
	"bytes"
	"context"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// The test binary doubles as the child programs: with ORCH_HELPER set, TestMain
// runs that mode instead of the tests (the helper-process pattern).
func TestMain(m *testing.M) {
	if mode := os.Getenv("ORCH_HELPER"); mode != "" {
		helperMain(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helperMain(mode string) {
	self, _ := os.Executable()
	switch mode {
	case "sleep": // print a line, then wait for a signal
		fmt.Println("sleeping", os.Getpid())
		select {}
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM", os.Getpid())
		select {}
	case "tree": // a grandchild in the same process group
		gc := exec.Command(self)
		gc.Env = append(os.Environ(), "ORCH_HELPER=sleep")
		if err := gc.Start(); err != nil {
			fmt.Println("spawn:", err)
			os.Exit(2)
		}
		fmt.Println("grandchild", gc.Process.Pid)
		select {}
	case "escape": // a grandchild in its own session (mode $GC_MODE, default sleep), holding our stdout
		mode := os.Getenv("GC_MODE")
		if mode == "" {
			mode = "sleep"
		}
		gc := exec.Command(self)
		gc.Env = append(os.Environ(), "ORCH_HELPER="+mode)
		gc.Stdout, gc.Stderr = os.Stdout, os.Stderr
		gc.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := gc.Start(); err != nil {
			os.Exit(2)
		}
		fmt.Println("escaped", gc.Process.Pid)
		if os.Getenv("LEADER_EXITS") != "" { // a daemonising launcher: the grandchild is orphaned
			os.Exit(0)
		}
		select {}
	case "crash":
		fmt.Println("crashing")
		os.Exit(3)
	case "crash-until": // exit 1 until the counter file reaches N starts, then sleep
		f := os.Getenv("COUNTER")
		b, _ := os.ReadFile(f)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		n++
		os.WriteFile(f, []byte(strconv.Itoa(n)), 0o644)
		want, _ := strconv.Atoi(os.Getenv("CRASHES"))
		if n <= want {
			fmt.Println("crash", n)
			os.Exit(1)
		}
		fmt.Println("up after", n-1, "crashes")
		select {}
	case "serve": // HTTP on 127.0.0.1:$PORT after $DELAY (answering $STATUS, default 200); with $NEED, exit 1 unless that address answers first
		if need := os.Getenv("NEED"); need != "" {
			c, err := net.Dial("tcp", need)
			if err != nil {
				fmt.Println("dependency not reachable:", err)
				os.Exit(1)
			}
			c.Close()
			fmt.Println("dependency reachable")
		}
		if d, err := time.ParseDuration(os.Getenv("DELAY")); err == nil {
			time.Sleep(d) // a slow-starting server; readiness is probed, not assumed
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
		if err != nil {
			fmt.Println("listen:", err)
			os.Exit(1)
		}
		fmt.Println("listening on", l.Addr())
		status, _ := strconv.Atoi(os.Getenv("STATUS")) // with $STATUS, every answer has that status
		http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if status != 0 {
				w.WriteHeader(status)
			}
			fmt.Fprintln(w, "ok")
		}))
	case "listen-any": // hold 0.0.0.0:$PORT
		l, err := net.Listen("tcp", "0.0.0.0:"+os.Getenv("PORT"))
		if err != nil {
			os.Exit(1)
		}
		fmt.Println("holding", l.Addr())
		select {}
	case "chatter": // many lines from several goroutines, written in pieces
		tag := os.Getenv("TAG")
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					line := fmt.Sprintf("%s g%d i%d %s|\n", tag, g, i, strings.Repeat("x", 100+i*7))
					var buf bytes.Buffer
					buf.WriteString(line)
					os.Stdout.Write(buf.Bytes()) // one write per line; the splitter must not tear it
				}
			}(g)
		}
		wg.Wait()
		os.Stdout.WriteString(tag + " done\n" + tag + " tail-without-newline")
		select {}
	case "supervise": // a whole supervisor, to be SIGKILLed by the test
		runDir := os.Getenv("RUN_DIR")
		child, ready := "tree", `grandchild \d+`
		if os.Getenv("STUBBORN") != "" {
			child, ready = "ignore-term", `ignoring SIGTERM`
		}
		if os.Getenv("ESCAPE") != "" {
			child, ready = "escape", `escaped \d+`
		}
		specs := []ServiceSpec{{Service: project.Service{Name: child, Command: []string{self}, Env: []string{"ORCH_HELPER=" + child},
			Probe: project.Probe{Kind: project.ProbeLog, Pattern: regexp.MustCompile(ready)}, StopTimeout: time.Hour}}}
		if dir := os.Getenv("PK_DIR"); dir != "" { // the real partykit instead
			port := os.Getenv("PK_PORT")
			specs = []ServiceSpec{{Service: project.Service{Name: "partykit", Dir: dir, Env: []string{"NO_UPDATE_NOTIFIER=1"},
				Command: []string{"node_modules/.bin/partykit", "dev", "--port", port, "--disable-request-cf-fetch"},
				Probe:   project.Probe{Kind: project.ProbeHTTP, URL: "http://127.0.0.1:" + port + "/", Timeout: 60 * time.Second}}}}
		}
		if port := os.Getenv("MIXED_PORT"); port != "" { // supervision_test.go: a group, a setsid'd port holder, a stubborn child
			mk := func(name, mode, ready string, env ...string) ServiceSpec {
				return ServiceSpec{Service: project.Service{Name: name, Command: []string{self}, Env: append([]string{"ORCH_HELPER=" + mode}, env...),
					Probe: project.Probe{Kind: project.ProbeLog, Pattern: regexp.MustCompile(ready), Timeout: time.Hour}, StopTimeout: 300 * time.Millisecond}}
			}
			specs = []ServiceSpec{mk("tree", "tree", `grandchild \d+`),
				mk("daemon", "escape", `holding`, "GC_MODE=listen-any", "PORT="+port),
				mk("stubborn", "ignore-term", `ignoring SIGTERM`)}
			if os.Getenv("NEVER_READY") != "" {
				specs[2].Probe.Pattern = regexp.MustCompile(`never printed`)
			}
		}
		lg := zerolog.New(os.Stderr)
		sup, err := New(specs, Options{RunDir: runDir, Output: os.Stdout, Logger: &lg})
		if err != nil {
			fmt.Println("new:", err)
			os.Exit(1)
		}
		if err := sup.RunUntilSignal(context.Background()); err != nil {
			fmt.Println("run:", err)
			os.Exit(1)
		}
	default:
		fmt.Println("unknown helper mode", mode)
		os.Exit(2)
	}
}

// helper is a spec running the test binary in a helper mode.
func helper(t testing.TB, name, mode string, env ...string) ServiceSpec {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return ServiceSpec{Service: project.Service{Name: name, Command: []string{self}, Env: append([]string{"ORCH_HELPER=" + mode}, env...),
		Restart: project.RestartNo, StopTimeout: 2 * time.Second}}
}

// running is a supervisor started by a test.
type running struct {
	sup    *Supervisor
	out    *testenv.SyncBuffer
	diag   *testenv.SyncBuffer
	cancel context.CancelFunc
	errc   chan error
	events chan runstate.Event
}

// start runs a supervisor over specs until the test ends (or stop is called).
func start(t *testing.T, specs []ServiceSpec, opts Options) *running {
	t.Helper()
	r := &running{out: &testenv.SyncBuffer{}, diag: &testenv.SyncBuffer{}, errc: make(chan error, 1), events: make(chan runstate.Event, 1000)}
	opts.Output = r.out
	lg := zerolog.New(r.diag)
	opts.Logger = &lg
	sup, err := New(specs, opts)
	if err != nil {
		t.Fatal(err)
	}
	r.sup = sup
	evs, _ := sup.Subscribe()
	go func() {
		for ev := range evs {
			r.events <- ev
		}
		close(r.events)
	}()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.errc <- sup.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sup.Done():
		case <-time.After(30 * time.Second):
			t.Errorf("supervisor did not stop within 30s")
		}
		if t.Failed() {
			t.Logf("output (last 4 KiB):\n%s\nsupervisor log:\n%s", tail(r.out.String(), 4096), r.diag.String())
		}
	})
	return r
}

// stop cancels the run and returns Run's error, failing after a deadline.
func (r *running) stop(t *testing.T, within time.Duration) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.errc:
		return err
	case <-time.After(within):
		t.Fatalf("Run did not return within %s of the stop", within)
		return nil
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	if !pollUntil(cond, within, nil) {
		t.Fatalf("timed out after %s waiting for %s", within, what)
	}
}

// waitState waits until service name is in state.
func (r *running) waitState(t *testing.T, name string, want runstate.State, within time.Duration) runstate.ServiceStatus {
	t.Helper()
	var got runstate.ServiceStatus
	waitFor(t, name+" "+want.String(), within, func() bool {
		for _, st := range r.sup.Status() {
			if st.Name == name {
				got = st
				return st.State == want
			}
		}
		return false
	})
	return got
}

// pidFromOutput finds "<word> <pid>" in the captured output.
func pidFromOutput(t *testing.T, out *testenv.SyncBuffer, word string) int {
	t.Helper()
	re := regexp.MustCompile(word + ` (\d+)`)
	var pid int
	waitFor(t, "a line with "+word, 10*time.Second, func() bool {
		m := re.FindStringSubmatch(out.String())
		if m == nil {
			return false
		}
		pid, _ = strconv.Atoi(m[1])
		return true
	})
	return pid
}

// alive says whether pid is a live (non-zombie) process.
func alive(pid int) bool { return procutil.SameProcess(pid, 0) }

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
