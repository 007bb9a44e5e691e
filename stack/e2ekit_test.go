package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/snapshot"
)

// lines collects a service's log lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) WriteLine(s string) { l.mu.Lock(); l.l = append(l.l, s); l.mu.Unlock() }
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.l, "\n")
}

type answersRig struct {
	tb   testing.TB
	url  string
	ns   *Answers
	logs *lines
}

// startAnswers runs the answers service exactly as `up` does (answersRun: seeding,
// the start snapshot, the API, the guard, the e2e endpoints) on a fresh state,
// until the test ends.
func startAnswers(tb testing.TB, mode string) *answersRig {
	tb.Helper()
	dir := tb.TempDir()
	a := project.Answers{Host: "127.0.0.1", Port: testenv.FreePort(tb), NamespaceID: "wine-answers-ns",
		PersistRoot: filepath.Join(dir, "state"), Seed: true, KVConsistency: mode, KVPropagationDelay: time.Minute}
	a.URL = fmt.Sprintf("http://127.0.0.1:%d", a.Port)
	ns, err := OpenAnswers(a)
	if err != nil {
		tb.Fatal(err)
	}
	ns.RunDir = filepath.Join(dir, "run")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	logs := &lines{}
	run := answersRun(a, ns, func() *orchestrate.Supervisor { return nil })
	go func() { done <- run(ctx, func() { close(ready) }, logs) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("answers service: %v", err)
		}
		ns.Close()
	})
	select {
	case <-ready:
	case err := <-done:
		tb.Fatalf("answers service ended before ready: %v\n%s", err, logs)
	}
	return &answersRig{tb: tb, url: a.URL, ns: ns, logs: logs}
}

func (r *answersRig) do(method, path, body string, hdr ...string) (int, string) {
	r.tb.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (r *answersRig) must(want int, method, path, body string, hdr ...string) string {
	r.tb.Helper()
	code, b := r.do(method, path, body, hdr...)
	if code != want {
		r.tb.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	return b
}

// ids of a category, sorted.
func (r *answersRig) ids(cat string, hdr ...string) []string {
	r.tb.Helper()
	var list []struct{ ID string }
	if err := json.Unmarshal([]byte(r.must(200, "GET", "/answers/"+cat, "", hdr...)), &list); err != nil {
		r.tb.Fatal(err)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.ID
	}
	sort.Strings(out)
	return out
}

func contains(ids []string, id string) bool {
	i := sort.SearchStrings(ids, id)
	return i < len(ids) && ids[i] == id
}

// POST /_arena/reset brings back the state the stack started with (seeds
// included), visible to the very next GET, and a later write is not mistaken
// for a lost one; ?snapshot=NAME brings back a named snapshot.
func TestResetToStartAndToSnapshot(t *testing.T) {
	r := startAnswers(t, "strong")
	start := r.ids("grape")
	if len(start) < 10 {
		t.Fatalf("seeded grapes: %v", start)
	}
	r.must(201, "POST", "/answers/grape", `{"label":"Zweigelt-Test"}`)
	r.must(204, "DELETE", "/answers/grape/"+start[0], "")
	if got := r.ids("grape"); !contains(got, "zweigelt-test") || contains(got, start[0]) {
		t.Fatalf("before reset: %v", got)
	}
	if _, err := snapshot.Save(r.ns.Namespace, r.ns.RunDir, "with-zweigelt", false); err != nil {
		t.Fatal(err)
	}

	b := r.must(200, "POST", "/_arena/reset", "")
	if !strings.Contains(b, `"restored":"start"`) {
		t.Fatalf("reset said %s", b)
	}
	if got := r.ids("grape"); strings.Join(got, ",") != strings.Join(start, ",") {
		t.Fatalf("after reset the next GET shows %d grapes (zweigelt %v), want the %d it started with", len(got), contains(got, "zweigelt-test"), len(start))
	}
	r.must(201, "POST", "/answers/grape", `{"label":"Syrah-Test"}`)
	if strings.Contains(r.logs.String(), "changed underneath") {
		t.Fatalf("a write after a reset was reported as a lost write:\n%s", r.logs)
	}

	r.must(200, "POST", "/_arena/reset?snapshot=with-zweigelt", "")
	if got := r.ids("grape"); !contains(got, "zweigelt-test") || contains(got, "syrah-test") || contains(got, start[0]) {
		t.Fatalf("after reset to the snapshot: %v", got)
	}
}

func TestResetErrors(t *testing.T) {
	r := startAnswers(t, "strong")
	for _, c := range []struct {
		method, path string
		hdr          []string
		code         int
		want         string
	}{
		{"POST", "/_arena/reset?snapshot=nope", nil, 404, `no snapshot named \"nope\"`},
		{"POST", "/_arena/reset?snapshot=../x", nil, 400, "bad_snapshot_name"},
		{"GET", "/_arena/reset", nil, 405, "use POST"},
		{"POST", "/_arena/reset", []string{"Origin", "http://evil.example"}, 403, "origin_not_allowed"},
		{"POST", "/_arena/reset", []string{"Host", "evil.example"}, 403, "host_not_allowed"},
	} {
		req, _ := http.NewRequest(c.method, r.url+c.path, nil)
		for i := 0; i+1 < len(c.hdr); i += 2 {
			if c.hdr[i] == "Host" {
				req.Host = c.hdr[i+1]
			} else {
				req.Header.Set(c.hdr[i], c.hdr[i+1])
			}
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s %v: %d %s, want %d with %q", c.method, c.path, c.hdr, res.StatusCode, b, c.code, c.want)
		}
	}
}

// In edge mode a reset also ends every location's window: the stale copy a
// location held of the pre-reset state is gone.
func TestResetInEdgeMode(t *testing.T) {
	r := startAnswers(t, "edge")
	colo := []string{"X-Arena-Colo", "SJC"}
	start := r.ids("grape", colo...)
	r.must(201, "POST", "/answers/grape", `{"label":"Zweigelt-Test"}`, "X-Arena-Colo", "CDG")
	if got := r.ids("grape", colo...); contains(got, "zweigelt-test") {
		t.Fatal("SJC saw CDG's write at once in edge mode")
	}
	r.must(200, "GET", "/_arena/kv/propagation", "")
	r.must(200, "POST", "/_arena/reset", "")
	if got := r.ids("grape", "X-Arena-Colo", "CDG"); strings.Join(got, ",") != strings.Join(start, ",") {
		t.Fatalf("CDG after reset: %d grapes, zweigelt %v", len(got), contains(got, "zweigelt-test"))
	}
	if b := r.must(200, "GET", "/_arena/kv/propagation", ""); !strings.Contains(b, `"stale":[]`) {
		t.Fatalf("stale after reset: %s", b)
	}
}

// BenchmarkReset is one test's cleanup: a write (not timed), then POST
// /_arena/reset over HTTP back to the seeded wine-answers state (timed), as a
// suite calls it between tests.
func BenchmarkReset(b *testing.B) {
	r := startAnswers(b, "strong")
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		r.must(201, "POST", "/answers/grape", fmt.Sprintf(`{"label":"Bench %d"}`, i))
		b.StartTimer()
		t0 := time.Now()
		r.must(200, "POST", "/_arena/reset", "")
		took = append(took, time.Since(t0))
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if got := r.ids("grape"); contains(got, "bench-0") {
		b.Fatal("the last reset did not remove the benchmark's answers")
	}
}
