package kvedge_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// syncBuf collects the server's log lines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type rig struct {
	t     *testing.T
	url   string
	clock *testenv.Clock
	edge  *kvedge.KV
	srv   *answers.Server
	log   *syncBuf
	ns    *emulator.Namespace
}

const delay = 60 * time.Second

// newRig serves the real API over the real emulator through the edge layer,
// with the control endpoints mounted as the stack mounts them. The clock (the
// propagation delay passes when a test says so) is injected.
func newRig(t *testing.T) *rig { return newLimitedRig(t, kvlimits.Off) }

// newLimitedRig is newRig with KV limits in mode under the edge layer, on the
// same clock.
func newLimitedRig(t *testing.T, mode kvlimits.Mode) *rig {
	t.Helper()
	root := t.TempDir()
	kv, err := emulator.OpenNamespace(root, "wine-answers-ns")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	ns := kv.Namespace
	c := testenv.NewClock(time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC))
	lim, err := kvlimits.Start(root, mode, kvlimits.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	lim.Arm()
	edge := kvedge.New(kvlimits.WrapWrites(ns, lim), kvedge.Options{Delay: delay, Now: c.Now})
	logs := &syncBuf{}
	o := answers.Options{Logger: zerolog.New(logs), Limits: lim, Namespace: ns.ID()}
	if lim != nil {
		o.Now = c.Now // createdAt on the test's clock, as the limiter's
	}
	srv := answers.New(edge, o)
	mux := http.NewServeMux()
	mux.Handle("/_arena/kv/", kvedge.Handler(edge))
	mux.Handle("/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &rig{t: t, url: hs.URL, clock: c, edge: edge, srv: srv, log: logs, ns: ns}
}

func (r *rig) do(method, colo, path, body string) (int, []byte) {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	if colo != "" {
		req.Header.Set(answers.ColoHeader, colo)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// ids GETs a category at a location and returns its answer ids.
func (r *rig) ids(colo, cat string) []string {
	r.t.Helper()
	code, b := r.do("GET", colo, "/answers/"+cat, "")
	if code != 200 {
		r.t.Fatalf("GET %s at %s: %d %s", cat, colo, code, b)
	}
	var list []answers.Entry
	if err := json.Unmarshal(b, &list); err != nil {
		r.t.Fatal(err)
	}
	out := []string{}
	for _, e := range list {
		out = append(out, e.ID)
	}
	return out
}

func (r *rig) post(colo, cat, label string) {
	r.t.Helper()
	if code, b := r.do("POST", colo, "/answers/"+cat, `{"label":"`+label+`"}`); code != 201 {
		r.t.Fatalf("POST %s at %s: %d %s", label, colo, code, b)
	}
}

func has(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// step is one move of a scenario: a request at a location, or time passing.
type step struct {
	colo    string        // "" = no X-Arena-Colo header
	post    string        // label to POST to grape
	advance time.Duration // move the clock
	see     []string      // ids a GET of grape at colo must show
	miss    []string      // ids it must not show
}

// Stale until the delay passes, fresh at the writer's location, a missing
// header being one location of its own.
func TestEdgeVisibility(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"the writer sees its write at once; a location that read before does not, until the delay passes", []step{
			{colo: "CDG", see: []string{}, miss: []string{"syrah"}},
			{colo: "SJC", post: "Syrah"},
			{colo: "SJC", see: []string{"syrah"}},
			{colo: "CDG", miss: []string{"syrah"}},
			{advance: delay - time.Millisecond},
			{colo: "CDG", miss: []string{"syrah"}},
			{advance: time.Millisecond},
			{colo: "CDG", see: []string{"syrah"}},
		}},
		{"a location that never read the key reads the store", []step{
			{colo: "SJC", post: "Syrah"},
			{colo: "NRT", see: []string{"syrah"}},
		}},
		{"an absent key is cached too", []step{
			{colo: "CDG", miss: []string{"syrah"}},
			{colo: "SJC", post: "Syrah"},
			{colo: "CDG", miss: []string{"syrah"}},
		}},
		{"no header is the default location", []step{
			{colo: "", miss: []string{"syrah"}},
			{colo: "SJC", post: "Syrah"},
			{colo: "", miss: []string{"syrah"}},
			{colo: answers.DefaultColo, miss: []string{"syrah"}},
			{colo: "", post: "Merlot"},
			{colo: "", see: []string{"merlot"}, miss: []string{"syrah"}}, // the default location's own stale read lost it
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			for i, s := range tc.steps {
				switch {
				case s.advance != 0:
					r.clock.Advance(s.advance)
				case s.post != "":
					r.post(s.colo, "grape", s.post)
				default:
					got := r.ids(s.colo, "grape")
					for _, id := range s.see {
						if !has(got, id) {
							t.Fatalf("step %d: %q at %q is missing %s: %v", i, "grape", s.colo, id, got)
						}
					}
					for _, id := range s.miss {
						if has(got, id) {
							t.Fatalf("step %d: %q at %q already shows %s: %v", i, "grape", s.colo, id, got)
						}
					}
				}
			}
		})
	}
}

// The design record's accepted race, reproduced with writes 30 s apart: a host
// at CDG adds an answer the SJC location has not seen; a host at SJC adds
// another from its stale copy and overwrites the first. The API's lost-write
// detector reports it as it reports the race with a careless writer.
func TestEdgeLostUpdateReported(t *testing.T) {
	r := newRig(t)
	r.ids("SJC", "grape") // SJC has read the category: it is in its cache
	r.post("CDG", "grape", "Gewürztraminer")
	r.clock.Advance(30 * time.Second)
	if n := r.srv.Store().LostWrites(); n != 0 {
		t.Fatalf("LostWrites %d before the losing write", n)
	}
	r.post("SJC", "grape", "Syrah")

	if n := r.srv.Store().LostWrites(); n != 1 {
		t.Fatalf("LostWrites = %d after SJC's write from a stale copy, want 1", n)
	}
	logs := r.log.String()
	if !strings.Contains(logs, "changed underneath") || !strings.Contains(logs, `"missing_ids":["gewurztraminer"]`) {
		t.Fatalf("no lost-write warning naming gewurztraminer in the log:\n%s", logs)
	}
	// The store really lost it: after propagation every location agrees.
	stale, err := r.edge.Propagate()
	if err != nil || len(stale) != 1 || stale[0].Colo != "CDG" || stale[0].Key != "answers:grape" {
		t.Fatalf("Propagate = %+v, %v; want CDG's answers:grape (it still holds its own write)", stale, err)
	}
	for _, colo := range []string{"CDG", "SJC", "NRT"} {
		if got := r.ids(colo, "grape"); has(got, "gewurztraminer") || !has(got, "syrah") {
			t.Fatalf("after propagate %s shows %v: want syrah and no gewurztraminer", colo, got)
		}
	}
}

// Without the cached read at SJC the same two writes lose nothing: the loss
// needs a stale copy, not simultaneity.
func TestEdgeNoLossWithoutStaleCopy(t *testing.T) {
	r := newRig(t)
	r.post("CDG", "grape", "Gewürztraminer")
	r.post("SJC", "grape", "Syrah")
	if got := r.ids("NRT", "grape"); !has(got, "gewurztraminer") || !has(got, "syrah") {
		t.Fatalf("NRT shows %v", got)
	}
	if n := r.srv.Store().LostWrites(); n != 0 {
		t.Fatalf("LostWrites = %d, want 0", n)
	}
}

// GET /_arena/kv/propagation lists what is stale and where; POST
// /_arena/kv/propagate ends every window at once.
func TestEdgePropagationEndpoints(t *testing.T) {
	r := newRig(t)
	r.ids("SJC", "grape")
	r.ids("NRT", "color")
	r.post("CDG", "grape", "Syrah")
	r.clock.Advance(10 * time.Second)

	code, b := r.do("GET", "", "/_arena/kv/propagation", "")
	var got struct {
		Mode      string
		Delay     string
		Locations []string
		Stale     []kvedge.Stale
	}
	if err := json.Unmarshal(b, &got); code != 200 || err != nil {
		t.Fatalf("propagation: %d %s", code, b)
	}
	if got.Mode != "edge" || got.Delay != "1m0s" || len(got.Stale) != 1 {
		t.Fatalf("propagation: %s", b)
	}
	s := got.Stale[0]
	if s.Colo != "SJC" || s.Key != "answers:grape" || s.CachedVersion != "" || s.CurrentVersion == "" || s.FreshIn != "50s" {
		t.Fatalf("stale entry %+v; want SJC's answers:grape (absent there), fresh in 50s", s)
	}
	if code, b := r.do("GET", "", "/_arena/kv/propagate", ""); code != 405 {
		t.Fatalf("GET propagate: %d %s, want 405", code, b)
	}
	if code, b := r.do("POST", "", "/_arena/kv/propagate", ""); code != 200 || !strings.Contains(string(b), `"colo":"SJC"`) {
		t.Fatalf("propagate: %d %s", code, b)
	}
	if got := r.ids("SJC", "grape"); !has(got, "syrah") {
		t.Fatalf("SJC after propagate: %v", got)
	}
	if _, b := r.do("GET", "", "/_arena/kv/propagation", ""); !strings.Contains(string(b), `"stale":[]`) {
		t.Fatalf("still stale after propagate: %s", b)
	}
}

func TestEdgeBadColo(t *testing.T) {
	r := newRig(t)
	for _, colo := range []string{"has space", "../x", strings.Repeat("x", 33), "é"} {
		code, b := r.do("GET", colo, "/answers/grape", "")
		if code != 400 || !strings.Contains(string(b), "bad_colo") {
			t.Errorf("colo %q: %d %s, want 400 bad_colo", colo, code, b)
		}
	}
	if code, _ := r.do("POST", "bad colo", "/answers/grape", `{"label":"Syrah"}`); code != 400 {
		t.Fatalf("POST with a bad colo: %d, want 400", code)
	}
	if got := r.ids("X", "grape"); has(got, "syrah") {
		t.Fatal("a request refused for its colo wrote anyway")
	}
}

// In the default mode nothing is stale and propagate has nothing to do.
func TestStrongModeEndpoints(t *testing.T) {
	hs := httptest.NewServer(kvedge.Handler(nil))
	defer hs.Close()
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/_arena/kv/propagation", `{"mode":"strong","stale":[]}`},
		{"POST", "/_arena/kv/propagate", `{"mode":"strong","propagated":[]}`},
	} {
		res, err := http.Post(hs.URL+tc.path, "", nil)
		if tc.method == "GET" {
			res, err = http.Get(hs.URL + tc.path)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.TrimSpace(string(b)) != tc.want {
			t.Errorf("%s %s: %d %s, want %s", tc.method, tc.path, res.StatusCode, b, tc.want)
		}
	}
}
