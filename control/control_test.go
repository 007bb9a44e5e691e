package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// inproc is an in-process service that logs a line at each start and serves
// until stopped.
func inproc(name string) orchestrate.ServiceSpec {
	return orchestrate.ServiceSpec{
		Service: project.Service{Name: name, Restart: project.RestartOnFailure, StopTimeout: time.Second},
		Run: func(ctx context.Context, ready func(), log svclog.LineWriter) error {
			log.WriteLine(name + " serving")
			ready()
			<-ctx.Done()
			return nil
		},
	}
}

// runStack runs a supervisor over two in-process services with its control API
// on the run directory's socket, and returns a client for it.
func runStack(t *testing.T) (*orchestrate.Supervisor, *Client, string) {
	t.Helper()
	runDir := t.TempDir()
	ln, ep, err := Listen(runDir)
	if err != nil {
		t.Fatal(err)
	}
	lg := zerolog.Nop()
	sup, err := orchestrate.New([]orchestrate.ServiceSpec{inproc("api"), inproc("web")},
		orchestrate.Options{RunDir: runDir, Output: &testenv.SyncBuffer{}, Logger: &lg, Control: ep})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: RequireToken(Handler(sup, sup.Done()), ep)}
	go srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	go sup.Run(ctx)
	t.Cleanup(func() {
		cancel()
		<-sup.Done()
		srv.Close()
	})
	select {
	case <-sup.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	cl, err := Dial(runDir)
	if err != nil {
		t.Fatal(err)
	}
	return sup, cl, runDir
}

func TestAPIActsOnOneService(t *testing.T) {
	_, cl, runDir := runStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if socketsUsable {
		st, err := os.Stat(filepath.Join(runDir, SocketName))
		if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
			t.Fatalf("control socket: %v %v", st, err)
		}
	} else if rf, err := runstate.ReadRunFile(runDir); err != nil || rf.Control.Socket != "" ||
		!strings.HasPrefix(rf.Control.URL, "http://127.0.0.1:") || len(rf.Control.Token) < 32 {
		// Windows: a file mode restricts nothing, so loopback TCP and a token.
		t.Fatalf("control endpoint: %+v %v", rf, err)
	}

	// Events: a snapshot first, then the stop and start of web as they happen.
	seen, subscribed := make(chan []string, 1), make(chan struct{})
	go func() {
		var states []string
		_ = cl.Events(ctx, func(s Service) bool {
			if s.Name == "web" {
				states = append(states, s.State.String())
				if len(states) == 1 {
					close(subscribed)
				}
			}
			return len(states) < 5 // ready (snapshot), stopping, stopped, starting, ready
		})
		seen <- states
	}()
	select { // the stop must come after the snapshot, or the stream starts at "stopped"
	case <-subscribed:
	case <-ctx.Done():
		t.Fatal("no snapshot on the event stream")
	}

	svc, err := cl.Do(ctx, "web", runstate.OpStop)
	if err != nil || svc.State != runstate.StateStopped || svc.LastError != "stopped by hand" {
		t.Fatalf("stop: %+v %v", svc, err)
	}
	list, err := cl.Services(ctx)
	if err != nil || len(list) != 2 || list[0].State != runstate.StateReady || list[0].UptimeSeconds <= 0 {
		t.Fatalf("services after stopping web: %+v %v", list, err)
	}
	if _, err := cl.Do(ctx, "web", runstate.OpStart); err != nil {
		t.Fatal(err)
	}
	select {
	case states := <-seen:
		if got := strings.Join(states, ","); got != "ready,stopping,stopped,starting,ready" {
			t.Errorf("web's events: %s", got)
		}
	case <-ctx.Done():
		t.Fatal("no events")
	}

	_, err = cl.Do(ctx, "db", runstate.OpRestart)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 404 || ae.Code != "unknown_service" || strings.Join(ae.Known, ",") != "api,web" {
		t.Fatalf("unknown service: %v", err)
	}

	// Logs: the last lines, and the next one followed.
	var lines []string
	if err := cl.Logs(ctx, []string{"web"}, 10, false, func(l svclog.JSONLine) { lines = append(lines, l.Line) }); err != nil {
		t.Fatal(err)
	}
	if strings.Count(strings.Join(lines, "\n"), "web serving") != 2 {
		t.Fatalf("web's last lines: %q", lines)
	}
	follow := make(chan svclog.JSONLine, 10)
	fctx, fcancel := context.WithCancel(ctx)
	defer fcancel()
	go cl.Logs(fctx, []string{"web"}, 1, true, func(l svclog.JSONLine) { follow <- l })
	var connected svclog.JSONLine
	select {
	case connected = <-follow: // the tail's one line: the stream is on
	case <-ctx.Done():
		t.Fatal("the followed log sent nothing")
	}
	if _, err := cl.Do(ctx, "web", runstate.OpRestart); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case l := <-follow:
			if l.Line == "web serving" && l.Time > connected.Time {
				return
			}
		case <-ctx.Done():
			t.Fatal("the followed log never showed web's restart")
		}
	}
}

// TestLongRunDirFallsBackToLoopbackAndToken: where the socket path would be too
// long, the API listens on loopback and wants the token from the run file.
func TestLongRunDirFallsBackToLoopbackAndToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 120))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, ep, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ep.Socket != "" || !strings.HasPrefix(ep.URL, "http://127.0.0.1:") || len(ep.Token) < 32 {
		t.Fatalf("endpoint %+v", ep)
	}
	go http.Serve(ln, RequireToken(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }), ep))
	for token, want := range map[string]int{"": 401, "wrong": 401, ep.Token: 200} {
		req, _ := http.NewRequest("GET", ep.URL+"/api/services", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("token %q: %d %s, want %d", token, res.StatusCode, b.String(), want)
		}
	}
}

// TestSlowLogReaderIsToldWhatItMissed: a follower that stops reading while the
// services write far more than its queue holds is told, in the stream, how many
// lines it missed, and those plus the lines it got are exactly what was written.
func TestSlowLogReaderIsToldWhatItMissed(t *testing.T) {
	sup, cl, _ := runStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	connected, release := make(chan struct{}), make(chan struct{})
	type result struct {
		flood, missed, total int
		err                  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		first := true
		r.err = cl.Logs(ctx, []string{"web"}, 1, true, func(l svclog.JSONLine) {
			if first { // the tail's line: the stream is on; now stop reading
				first = false
				close(connected)
				<-release
				return
			}
			switch {
			case strings.HasPrefix(l.Line, "flood "):
				r.flood++
			case l.Service == "arena-dev":
				var missed, total int
				if _, err := fmt.Sscanf(l.Line, droppedNotice, &missed, &total); err != nil {
					r.err = fmt.Errorf("the skipped-lines notice %q: %v", l.Line, err)
				}
				r.missed += missed
				r.total = total
			}
			if r.flood+r.total == 30_000 {
				cancel()
			}
		})
		done <- r
	}()
	select {
	case <-connected:
	case <-ctx.Done():
		t.Fatal("the followed log sent nothing")
	}
	pad := strings.Repeat("x", 1000)
	for i := range 30_000 {
		sup.Logs().Line("web", "stdout", fmt.Sprintf("flood %d %s", i, pad))
	}
	close(release)
	r := <-done
	if r.err != nil && !errors.Is(r.err, context.Canceled) {
		t.Fatal(r.err)
	}
	t.Logf("30,000 lines written: %d read, %d reported missed", r.flood, r.total)
	if r.total == 0 || r.missed != r.total {
		t.Errorf("missed lines reported: %d in notices, %d in all; want the same, above 0 (the reader stalled on 30 MB)", r.missed, r.total)
	}
	if r.flood+r.total != 30_000 {
		t.Errorf("%d lines read + %d reported missed = %d, want 30,000", r.flood, r.total, r.flood+r.total)
	}
}
