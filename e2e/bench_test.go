//go:build unix

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/runstate"
)

// BenchmarkUp measures the arena-dev binary on the example stack against its slowest
// child started alone: time from start to every service ready, and from SIGINT to
// every process gone and every port free. Polling is 5-10 ms, below the noise.
func BenchmarkUp(b *testing.B) {
	s := newStack(b)
	b.Run("arena-dev-up", func(b *testing.B) {
		var ready, stop time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			fg := s.startForeground()
			rf := waitRunFileReady(b, s, fg)
			ready += time.Since(start)
			pgids := map[int]bool{fg.cmd.Process.Pid: true}
			for _, svc := range rf.Services {
				if svc.PGID != 0 {
					pgids[svc.PGID] = true
				}
			}
			t1 := time.Now()
			if err := fg.cmd.Process.Signal(syscall.SIGINT); err != nil {
				b.Fatal(err)
			}
			waitGone(b, pgids, s.portList())
			stop += time.Since(t1)
			fg.waitExit(b, time.Minute)
		}
		report(b, ready, stop)
	})
	b.Run("astro-alone", func(b *testing.B) {
		port := s.ports["astro"]
		var ready, stop time.Duration
		for i := 0; i < b.N; i++ {
			start := time.Now()
			cmd := exec.Command(filepath.Join(s.dir, "node_modules", ".bin", "astro"), "dev", "--host", "127.0.0.1", "--port", fmt.Sprint(port))
			cmd.Dir = s.dir
			cmd.Env = append(os.Environ(), "ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true", "PWD="+s.dir,
				fmt.Sprintf("PUBLIC_ANSWERS_URL=http://127.0.0.1:%d", s.ports["answers"]))
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			url := fmt.Sprintf("http://127.0.0.1:%d/", port)
			poll(b, "astro answering", func() bool {
				resp, err := http.Get(url)
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode < 500
			})
			ready += time.Since(start)
			t1 := time.Now()
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			waitGone(b, map[int]bool{cmd.Process.Pid: true}, []int{port})
			stop += time.Since(t1)
			<-done
		}
		report(b, ready, stop)
	})
}

func waitRunFileReady(b *testing.B, s *stack, fg *foreground) *runstate.RunFile {
	var rf *runstate.RunFile
	poll(b, "stack ready", func() bool {
		if fg.exited() {
			b.Fatalf("arena-dev up exited:\n%s", readFile(fg.logPath))
		}
		r, err := runstate.ReadRunFile(filepath.Join(s.dir, ".wrangler", "arena-dev"))
		if err == nil && r.PID == fg.cmd.Process.Pid && r.Ready {
			rf = r
			return true
		}
		return false
	})
	return rf
}

func waitGone(b *testing.B, pgids map[int]bool, ports []int) {
	poll(b, "processes gone and ports free", func() bool {
		if len(groupProcs(pgids)) > 0 {
			return false
		}
		for _, p := range ports {
			if portFree(p) != nil {
				return false
			}
		}
		return true
	})
}

func poll(b testing.TB, what string, cond func() bool) {
	deadline := time.Now().Add(readyTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("%s: not within %s", what, readyTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func report(b *testing.B, ready, stop time.Duration) {
	n := float64(b.N)
	b.ReportMetric(float64(ready.Milliseconds())/n, "ready-ms")
	b.ReportMetric(float64(stop.Milliseconds())/n, "stop-ms")
}
