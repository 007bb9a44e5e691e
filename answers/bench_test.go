package answers_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// Load shape: 16 keep-alive connections, each measurement bounded in time and in
// count, rounds interleaved so every server sees the same machine weather.
const (
	benchConns    = 16
	benchRounds   = 7
	benchDuration = 2 * time.Second
	benchMaxReqs  = 400_000
	workerDur     = 2 * time.Second // the Worker is ~20x slower: fewer seconds suffice
)

// BenchmarkGetColor: GET /answers/color (the seeded color list) served side by side,
// in one run, on loopback, by
//
//   - ceiling: internal/ceiling, a bare net/http handler serving the same bytes and
//     headers from memory (the machine's ceiling for a Go HTTP server);
//   - arena-dev: the built binary, `arena-dev serve` with default logging (info,
//     text) to a real file, over the emulator;
//   - miniflare-worker: the reference Worker under Miniflare 3.
//
// Each round loads each server for a few seconds; the reported req/s and p99 are
// the medians over the rounds, and "ratio" gives the median of the per-round
// paired ratios (arena-dev/ceiling, arena-dev/Worker, p99 arena-dev/ceiling)
// plus arena-dev's idle RSS.
//
//	go test ./answers -run '^$' -bench BenchmarkGetColor -benchtime 1x
func BenchmarkGetColor(b *testing.B) {
	state := filepath.Join(b.TempDir(), "state")
	seedState(b, state)
	logFile := filepath.Join(b.TempDir(), "arena-dev.log")
	arena, pid := startArenaServe(b, state, logFile)
	rss := rssBytes(b, pid) // idle: started, seeded, one GET answered
	body, etag := fetch(b, arena+"/answers/color")
	ceiling := startCeiling(b, body, etag)
	// The Worker gets its own copy of the state so the two never contend for SQLite.
	wstate := filepath.Join(b.TempDir(), "worker-state")
	seedState(b, wstate)
	worker := startWorker(b, wstate)
	// Same list, seeded separately: only the createdAt seconds may differ.
	if wbody, _ := fetch(b, worker+"/answers/color"); len(wbody) != len(body) {
		b.Fatalf("the Worker serves %d bytes, arena-dev %d: not the same list", len(wbody), len(body))
	}

	targets := []struct {
		name, base string
		dur        time.Duration
	}{{"ceiling", ceiling, benchDuration}, {"arena-dev", arena, benchDuration}, {"miniflare-worker", worker, workerDur}}
	runs := map[string][]loadResult{}
	for round := range benchRounds {
		order := slices.Clone(targets)
		if round%2 == 1 { // arena-dev first on odd rounds: a drift favours neither side
			order[0], order[1] = order[1], order[0]
		}
		for _, tg := range order {
			addr := strings.TrimPrefix(tg.base, "http://")
			if _, err := rawLoad(addr, "/answers/color", benchConns, 300*time.Millisecond, 2000, len(body)); err != nil { // warm-up, and the body checked
				b.Fatalf("%s warm-up: %v", tg.name, err)
			}
			r, err := load(addr, "/answers/color", benchConns, tg.dur, benchMaxReqs, len(body))
			if err != nil {
				b.Fatalf("%s round %d: %v", tg.name, round, err)
			}
			runs[tg.name] = append(runs[tg.name], r)
		}
	}
	med := map[string]loadResult{}
	for _, tg := range targets {
		m := median(runs[tg.name])
		med[tg.name] = m
		b.Run(tg.name, func(b *testing.B) {
			b.ReportMetric(m.reqPerSec, "req/s")
			b.ReportMetric(float64(m.p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(m.p99.Microseconds())/1000, "p99-ms")
			b.Logf("%s: req/s by round %s", tg.name, perRound(runs[tg.name]))
		})
	}
	c, a, w := med["ceiling"], med["arena-dev"], med["miniflare-worker"]
	// The ratios are paired: each round's arena-dev against the same round's
	// ceiling and Worker, measured seconds apart, then the median over rounds.
	// The machine's weather moves all three together, so a paired ratio is far
	// steadier than a ratio of medians taken minutes apart.
	xc := pairedRatios(runs["arena-dev"], runs["ceiling"], func(r loadResult) float64 { return r.reqPerSec })
	xw := pairedRatios(runs["arena-dev"], runs["miniflare-worker"], func(r loadResult) float64 { return r.reqPerSec })
	p99c := pairedRatios(runs["arena-dev"], runs["ceiling"], func(r loadResult) float64 { return float64(r.p99) })
	// The bound on x Worker that this machine allows: no Go net/http server
	// does better than the ceiling, so arena-dev's x Worker is at most this.
	cw := pairedRatios(runs["ceiling"], runs["miniflare-worker"], func(r loadResult) float64 { return r.reqPerSec })
	lines := countLines(b, logFile)
	b.Run("ratio", func(b *testing.B) {
		b.ReportMetric(medianOf(xc), "x-ceiling-req/s")
		b.ReportMetric(medianOf(xw), "x-worker-req/s")
		b.ReportMetric(medianOf(p99c), "p99/ceiling-p99")
		b.ReportMetric(medianOf(cw), "ceiling-x-worker")
		b.ReportMetric(float64(rss)/(1<<20), "idle-rss-MB")
		b.Logf("load generator: %s; arena-dev %.0f req/s p99 %v, ceiling %.0f p99 %v, Worker %.0f p99 %v (medians)",
			loadGen(), a.reqPerSec, a.p99, c.reqPerSec, c.p99, w.reqPerSec, w.p99)
		b.Logf("paired by round: x ceiling %s; x Worker %s; p99/ceiling %s; the ceiling itself x Worker %s",
			spread(xc), spread(xw), spread(p99c), spread(cw))
		b.Logf("idle RSS %.1f MB; access log: %s", float64(rss)/(1<<20), lines)
	})
}

// pairedRatios: f(a[i]) / f(b[i]) for each round i.
func pairedRatios(a, b []loadResult, f func(loadResult) float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = f(a[i]) / f(b[i])
	}
	return out
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// spread: "median (min–max) over n rounds".
func spread(xs []float64) string {
	return fmt.Sprintf("%.2f (%.2f–%.2f over %d rounds)", medianOf(xs), slices.Min(xs), slices.Max(xs), len(xs))
}

func median(rs []loadResult) loadResult {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(x, y loadResult) int { return int(x.reqPerSec - y.reqPerSec) })
	m := s[len(s)/2]
	p99s := make([]time.Duration, len(rs))
	for i, r := range rs {
		p99s[i] = r.p99
	}
	slices.Sort(p99s)
	m.p99 = p99s[len(p99s)/2]
	return m
}

func perRound(rs []loadResult) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%.0f (p99 %v)", r.reqPerSec, r.p99))
	}
	return strings.Join(parts, ", ")
}

// seedState writes the seeded categories into the emulator state at root.
func seedState(b *testing.B, root string) {
	srv := answers.New(openNamespace(b, root), answers.Options{Logger: zerolog.Nop()})
	if _, err := seeds.SeedEmpty(srv.Store()); err != nil {
		b.Fatal(err)
	}
}

// startArenaServe runs the built binary's `serve` on state with default logging
// (stderr, a file here) and returns its base URL and pid once /healthz answers.
func startArenaServe(b *testing.B, state, logFile string) (string, int) {
	port := testenv.FreePort(b)
	log, err := os.Create(logFile)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { log.Close() })
	cmd := exec.Command(testenv.ArenaDev(b), "serve", "--port", strconv.Itoa(port), "--namespace-id", namespaceID, "--persist-to", state)
	cmd.Stderr = log
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startAndWait(b, cmd, base+"/healthz")
	return base, cmd.Process.Pid
}

// startCeiling builds and runs internal/ceiling serving body.
func startCeiling(b *testing.B, body, etag string) string {
	dir := b.TempDir()
	bin := filepath.Join(dir, "ceiling")
	build := exec.Command("go", "build", "-o", bin, "./internal/ceiling")
	build.Dir = testenv.RepoRoot(b)
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building the ceiling: %v\n%s", err, out)
	}
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(body), 0o644); err != nil {
		b.Fatal(err)
	}
	port := testenv.FreePort(b)
	cmd := exec.Command(bin, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-body", bodyFile, "-etag", etag)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	startAndWait(b, cmd, base+"/answers/color")
	return base
}

// startAndWait starts cmd, stops it when the benchmark ends, and polls url until it
// answers 200 (or cmd exits, or 30 s pass).
func startAndWait(b *testing.B, cmd *exec.Cmd, url string) {
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	b.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			b.Fatalf("%s exited before answering: %v", cmd.Path, err)
		default:
		}
		if res, err := httpGet(url); err == nil && res == 200 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s did not answer within 30 s", url)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a readiness guess
	}
}

func httpGet(url string) (int, error) {
	res, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func fetch(b *testing.B, url string) (body, etag string) {
	res, text := httpDo(b, "GET", url, "")
	if res.StatusCode != 200 {
		b.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	return text, res.Header.Get("ETag")
}

// rssBytes is the resident set size of process pid (Linux).
func rssBytes(b *testing.B, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// countLines summarises the access log: request lines printed and requests only
// counted (the per-second budget), so the run shows the log was really written.
func countLines(b *testing.B, file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	printed := strings.Count(string(data), " request ")
	if printed == 0 {
		b.Fatalf("arena-dev wrote no access log lines to %s", file)
	}
	return fmt.Sprintf("%d lines printed, %d summary lines", printed, strings.Count(string(data), "were not printed"))
}
