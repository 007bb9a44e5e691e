//go:build unix

package e2e

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/runstate"
)

// BenchmarkAnswersModes measures what each answers mode costs, in one run on one
// copy of the example: `arena-dev up answers --answers MODE --ephemeral` in the
// foreground, ready-ms from spawning arena-dev to its run file saying the answers
// service is ready (go: emulator opened, seeded, serving; worker: seeded, then
// wrangler dev bundling the Worker and workerd answering /healthz), then
// GET /answers/color for loadFor over loadConns keep-alive connections (req/s).
func BenchmarkAnswersModes(b *testing.B) {
	s := newStack(b)
	for _, mode := range []string{"go", "worker"} {
		b.Run(mode, func(b *testing.B) {
			var ready time.Duration
			var reqs int64
			var spent time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				cmd, logPath := s.command("up", "answers", "--answers", mode, "--ephemeral", "--port", fmt.Sprintf("answers=%d", s.ports["answers"]))
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				s.pgids[cmd.Process.Pid] = true
				done := make(chan struct{})
				go func() { _ = cmd.Wait(); close(done) }()
				poll(b, mode+" answers ready", func() bool {
					select {
					case <-done:
						b.Fatalf("arena-dev up exited:\n%s", readFile(logPath))
					default:
					}
					rf, err := runstate.ReadRunFile(filepath.Join(s.dir, ".wrangler", "arena-dev"))
					return err == nil && rf.PID == cmd.Process.Pid && rf.Ready
				})
				ready += time.Since(start)
				n, d := load(b, fmt.Sprintf("http://127.0.0.1:%d/answers/color", s.ports["answers"]))
				reqs, spent = reqs+n, spent+d
				_ = cmd.Process.Signal(syscall.SIGINT)
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					b.Fatalf("arena-dev up did not stop within 30 s of SIGINT:\n%s", readFile(logPath))
				}
			}
			b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "ready-ms")
			b.ReportMetric(float64(reqs)/spent.Seconds(), "req/s")
		})
	}
}

const (
	loadConns = 16
	loadFor   = 3 * time.Second
	loadMax   = 300000 // a bound on the count too, whatever the speed
)

// load sends GETs to url from loadConns goroutines, one in flight each, until
// loadFor has passed or loadMax were sent; any answer but 200 fails the benchmark.
func load(b *testing.B, url string) (int64, time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: loadConns, MaxConnsPerHost: loadConns}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var sent, ok atomic.Int64
	var failed atomic.Value
	start := time.Now()
	deadline := start.Add(loadFor)
	var wg sync.WaitGroup
	for range loadConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && sent.Add(1) <= loadMax {
				res, err := client.Get(url)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("status %d", res.StatusCode))
					return
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f != nil {
		b.Fatalf("GET %s: %v", url, f)
	}
	return ok.Load(), time.Since(start)
}
