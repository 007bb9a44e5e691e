//go:build linux

package parity

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// The test binary doubles as a Worker stand-in: with PARITY_HELPER=serve it
// answers every request with $STATUS on 127.0.0.1:$PORT.
func TestMain(m *testing.M) {
	if os.Getenv("PARITY_HELPER") == "serve" {
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
		if err != nil {
			os.Exit(1)
		}
		var status int
		fmt.Sscan(os.Getenv("STATUS"), &status)
		fmt.Println("serving", os.Getpid())
		http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestWorkerStartIsUpsStart (issue 16, defect 6): parity starts the Worker the
// way `up` starts a service: ready on any answer below 500 (a Worker whose
// /healthz says 404 is up, as `up` would have it), marked as this arena-dev's
// (a later run can reap it), and stopped with its whole group.
func TestWorkerStartIsUpsStart(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		status string
		ready  bool
	}{{"200", true}, {"404", true}, {"503", false}} {
		t.Run(c.status, func(t *testing.T) {
			port := testenv.FreePort(t)
			url := fmt.Sprintf("http://127.0.0.1:%d", port)
			svc := project.Service{
				Name: project.AnswersService, Command: []string{self}, Dir: t.TempDir(), URL: url,
				Env:   []string{"PARITY_HELPER=serve", fmt.Sprintf("PORT=%d", port), "STATUS=" + c.status},
				Probe: project.Probe{Kind: project.ProbeHTTP, URL: url + "/healthz", Interval: 20 * time.Millisecond},
			}
			w, err := startWorker(context.Background(), svc, 2*time.Second)
			if !c.ready {
				if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "serving") {
					t.Fatalf("startWorker = %v, want not ready on 503, with its output", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("startWorker: %v", err)
			}
			pid := w.child.PID()
			mark, ok := procutil.EnvValue(pid, procutil.OwnerEnv)
			if !ok || !strings.HasSuffix(mark, "/"+project.AnswersService) {
				t.Errorf("the Worker has no owner mark (%q, %v)", mark, ok)
			}
			w.stop()
			if procutil.GroupAlive(pid) {
				t.Fatal("the Worker's group survives stop")
			}
		})
	}
}
