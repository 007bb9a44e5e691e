//go:build unix

package orchestrate

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
	"golang.org/x/sys/unix"
)

// TestChildReadinessIsUpsRule: a Child is ready by the rule `up` applies to a
// service (any HTTP answer below 500), not only on 200 as parity's own Worker
// start had it; a 5xx or an early exit is not ready, and says why.
func TestChildReadinessIsUpsRule(t *testing.T) {
	cases := []struct {
		name, mode, status string
		want               string // "" = ready
	}{
		{"200 is ready", "serve", "200", ""},
		{"404 is ready, as under up", "serve", "404", ""},
		{"a redirect is an answer", "serve", "302", ""},
		{"503 is not", "serve", "503", "503 Service Unavailable"},
		{"exiting first is not", "crash", "", "exited before it was ready"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := testenv.FreePort(t)
			spec := helper(t, "child", c.mode, fmt.Sprintf("PORT=%d", port), "STATUS="+c.status)
			spec.Probe = project.Probe{Kind: project.ProbeHTTP, URL: fmt.Sprintf("http://127.0.0.1:%d/healthz", port), Interval: 20 * time.Millisecond, Timeout: 3 * time.Second}
			out := &testenv.SyncBuffer{}
			ch, err := StartChild(spec, ChildOptions{Out: out})
			if err != nil {
				t.Fatal(err)
			}
			defer ch.Stop(zerolog.Nop())
			err = ch.WaitReady(context.Background())
			if c.want == "" && err != nil {
				t.Fatalf("WaitReady = %v; output:\n%s", err, out)
			}
			if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("WaitReady = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestChildIsMarkedAndStoppedByTheLadder: an attached Child carries this
// arena-dev's owner mark (so a later run can reap it) and is stopped through the
// stop ladder, SIGKILL included; a detached one leads its own session, has no
// mark and no death signal.
func TestChildIsMarkedAndStoppedByTheLadder(t *testing.T) {
	spec := helper(t, "stubborn", "ignore-term")
	spec.StopTimeout = 200 * time.Millisecond
	out := &testenv.SyncBuffer{}
	ch, err := StartChild(spec, ChildOptions{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	pidFromOutput(t, out, "SIGTERM")
	if runtime.GOOS == "linux" {
		mark, ok := procutil.EnvValue(ch.PID(), procutil.OwnerEnv)
		if want := ownerValue(procutil.RefOf(procutil.Self()), "stubborn"); !ok || mark != want {
			t.Errorf("owner mark %q (%v), want %q", mark, ok, want)
		}
	}
	if pgid, _ := unix.Getpgid(ch.PID()); pgid != ch.PID() {
		t.Errorf("child %d in group %d, want its own", ch.PID(), pgid)
	}
	if !ch.Stop(zerolog.Nop()) {
		t.Fatal("Stop: the group survived")
	}
	select {
	case <-ch.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after Stop")
	}
	if alive(ch.PID()) {
		t.Fatal("alive after Stop")
	}

	det, err := StartChild(helper(t, "bg", "sleep"), ChildOptions{Detached: true, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Stop(zerolog.Nop())
	if sid, _ := unix.Getsid(det.PID()); sid != det.PID() {
		t.Errorf("detached child %d in session %d, want its own", det.PID(), sid)
	}
	if runtime.GOOS == "linux" {
		waitFor(t, "the detached child's environ", 5*time.Second, func() bool { return procutil.Cmdline(det.PID()) != "" })
		if mark, ok := procutil.EnvValue(det.PID(), procutil.OwnerEnv); ok {
			t.Errorf("detached child carries owner mark %q", mark)
		}
	}
}
