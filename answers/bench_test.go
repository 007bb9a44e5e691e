package answers_test

import (
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// benchConcurrency is the number of client goroutines (keep-alive connections).
const benchConcurrency = 16

// loadResult is one load run: throughput and tail latency.
type loadResult struct {
	reqPerSec float64
	p50, p99  time.Duration
}

// load sends n GETs to url from benchConcurrency goroutines over keep-alive
// connections, failing on any status but 200 or a body of the wrong size.
func load(b *testing.B, url string, n int, wantBytes int) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: benchConcurrency, MaxConnsPerHost: benchConcurrency}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range benchConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				res, err := client.Get(url)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				got, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != 200 || int(got) != wantBytes {
					failed.Store(res.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		b.Fatalf("GET %s failed: %v", url, f)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return loadResult{
		reqPerSec: float64(n) / elapsed.Seconds(),
		p50:       lat[n/2],
		p99:       lat[(n*99)/100],
	}
}

// BenchmarkGetColor: GET /answers/color (the seeded color list) on arena-dev and on
// the reference Worker under Miniflare 3, in one run, on loopback, 16 connections;
// the "ratio" sub-benchmark reports arena-dev's throughput over the Worker's. Both
// serve the same bytes: the Worker's list is written by arena-dev's seeding.
//
//	go test ./answers -run '^$' -bench BenchmarkGetColor -benchtime 3000x
func BenchmarkGetColor(b *testing.B) {
	root := filepath.Join(b.TempDir(), "state")
	ns := openNamespace(b, root)
	srv := answers.New(ns, answers.Options{Logger: zerolog.Nop()})
	if _, err := seeds.SeedEmpty(srv.Store()); err != nil {
		b.Fatal(err)
	}
	arena := serveHTTP(b, srv)
	// The Worker gets its own copy of the state so the two never contend for SQLite.
	wroot := filepath.Join(b.TempDir(), "worker-state")
	wsrv := answers.New(openNamespace(b, wroot), answers.Options{Logger: zerolog.Nop()})
	if _, err := seeds.SeedEmpty(wsrv.Store()); err != nil {
		b.Fatal(err)
	}
	worker := startWorker(b, wroot)

	size := func(base string) int {
		res, body := httpDo(b, "GET", base+"/answers/color", "")
		if res.StatusCode != 200 {
			b.Fatalf("GET %s/answers/color: %d", base, res.StatusCode)
		}
		return len(body)
	}
	if a, w := size(arena), size(worker); a != w {
		b.Fatalf("arena-dev serves %d bytes, the Worker %d: not the same list", a, w)
	}
	results := map[string]loadResult{}
	for _, target := range []struct{ name, base string }{{"arena-dev", arena}, {"miniflare-worker", worker}} {
		want := size(target.base)
		load(b, target.base+"/answers/color", 200, want) // warm-up: connections, JIT
		b.Run(target.name, func(b *testing.B) {
			r := load(b, target.base+"/answers/color", b.N, want)
			results[target.name] = r
			b.ReportMetric(r.reqPerSec, "req/s")
			b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
		})
	}
	b.Run("ratio", func(b *testing.B) {
		a, w := results["arena-dev"], results["miniflare-worker"]
		if w.reqPerSec == 0 || a.p99 == 0 {
			b.Skip("a side did not run")
		}
		for range b.N {
		}
		b.ReportMetric(a.reqPerSec/w.reqPerSec, "x-req/s")
		b.ReportMetric(float64(w.p99)/float64(a.p99), "x-p99")
		b.Logf("arena-dev %.0f req/s p99 %v; Worker on Miniflare %.0f req/s p99 %v; throughput ratio %.1fx, p99 ratio %.1fx",
			a.reqPerSec, a.p99, w.reqPerSec, w.p99, a.reqPerSec/w.reqPerSec, float64(w.p99)/float64(a.p99))
	})
}
