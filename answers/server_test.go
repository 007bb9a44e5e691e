package answers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/answers/conformance"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// The whole conformance suite, extensions included, against arena-dev over the real emulator.
func TestConformanceArenaDev(t *testing.T) {
	base, _ := startArenaDev(t, t.TempDir(), answers.Options{})
	conformance.Run(t, base, conformance.Options{Extensions: true})
}

// 100 parallel POSTs to one category: every one succeeds and every entry is stored.
func TestConcurrentPostsLoseNothing(t *testing.T) {
	base, logs := startArenaDev(t, t.TempDir(), answers.Options{})
	const n = 100
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Post(base+"/answers/wine", "application/json", strings.NewReader(fmt.Sprintf(`{"label": "Cuvée %03d"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 201 {
			t.Errorf("POST %d: status %d", i, s)
		}
	}
	_, body := httpDo(t, "GET", base+"/answers/wine", "")
	var list []answers.Entry
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, e := range list {
		have[e.ID] = true
	}
	for i := range n {
		if id := fmt.Sprintf("cuvee-%03d", i); !have[id] {
			t.Errorf("entry %s is missing after the parallel POSTs", id)
		}
	}
	if len(list) != n {
		t.Errorf("%d entries stored, want %d", len(list), n)
	}
	if strings.Contains(logs.String(), "changed underneath") {
		t.Errorf("writes within one process were reported as lost: %s", logs)
	}
}

// A stored value that is not a list of answers is reported (500 corrupt_data, naming
// the key) and never overwritten by a write.
func TestCorruptValueIsNotOverwritten(t *testing.T) {
	root := t.TempDir()
	ns := openNamespace(t, root)
	if _, err := ns.Put("answers:color", []byte(`{"not": "a list"}`), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	base := serveHTTP(t, answers.New(ns, answers.Options{Logger: zerolog.Nop()}))
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/answers/color", ""},
		{"GET", "/answers", ""},
		{"POST", "/answers/color", `{"label": "Red"}`},
		{"PUT", "/answers/color", `["Red"]`},
		{"DELETE", "/answers/color/red", ""},
	} {
		res, body := httpDo(t, req.method, base+req.path, req.body)
		if res.StatusCode != 500 || !strings.Contains(body, `"corrupt_data"`) || !strings.Contains(body, "answers:color") {
			t.Errorf("%s %s: %d %s; want 500 corrupt_data naming the key", req.method, req.path, res.StatusCode, body)
		}
	}
	if v, err := ns.Get("answers:color"); err != nil || string(v) != `{"not": "a list"}` {
		t.Errorf("the corrupt value was changed: %q, %v", v, err)
	}
}

func TestCORSOptions(t *testing.T) {
	tests := []struct {
		origins       []string
		origin, allow string // allow = expected Access-Control-Allow-Origin
		postStatus    int
	}{
		{nil, "http://localhost:4321", "http://localhost:4321", 201},
		{nil, "http://127.0.0.1:4321", "http://127.0.0.1:4321", 201},
		{nil, "http://localhost:3000", "", 403},
		{[]string{"https://arena.example/"}, "https://arena.example", "https://arena.example", 201},
		{[]string{"https://arena.example"}, "http://localhost:4321", "", 403},
		{[]string{"*"}, "http://anything.example", "*", 201},
	}
	for i, tc := range tests {
		base, _ := startArenaDev(t, t.TempDir(), answers.Options{CORSOrigins: tc.origins})
		res, body := httpDo(t, "POST", base+"/answers/color", `{"label": "Red"}`, "Origin", tc.origin)
		if res.StatusCode != tc.postStatus || res.Header.Get("Access-Control-Allow-Origin") != tc.allow {
			t.Errorf("case %d: POST from %s: %d, ACAO %q; want %d, %q (%s)", i, tc.origin, res.StatusCode,
				res.Header.Get("Access-Control-Allow-Origin"), tc.postStatus, tc.allow, body)
		}
		if res, _ := httpDo(t, "GET", base+"/answers/color", ""); res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("case %d: a request without Origin got CORS headers", i)
		}
	}
}

// HEAD rides on GET; a request for an id with escaped characters reaches the id.
func TestHeadAndEscapedIDs(t *testing.T) {
	base, _ := startArenaDev(t, t.TempDir(), answers.Options{})
	res, body := httpDo(t, "HEAD", base+"/answers/color", "")
	if res.StatusCode != 200 || body != "" || res.Header.Get("ETag") == "" {
		t.Errorf("HEAD: %d %q etag %q", res.StatusCode, body, res.Header.Get("ETag"))
	}
	res, body = httpDo(t, "POST", base+"/answers/wine", `{"label": "Château d'Yquem"}`)
	if res.StatusCode != 201 || res.Header.Get("Location") != "/answers/wine/chateau-d-yquem" {
		t.Fatalf("POST: %d %s, Location %q", res.StatusCode, body, res.Header.Get("Location"))
	}
	if res, body := httpDo(t, "DELETE", base+"/answers/wine/chateau%2Dd%2Dyquem", ""); res.StatusCode != 204 {
		t.Errorf("DELETE with an escaped id: %d %s", res.StatusCode, body)
	}
}

// The meter warns once per UTC day when reads or writes pass the limits, and starts
// again at the next UTC day.
func TestMeterWarnsOncePerDay(t *testing.T) {
	now := time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)
	logs2 := &testenv.SyncBuffer{}
	m := answers.NewMeter(zerolog.New(logs2), answers.UsageLimits{Reads: 3, Writes: 1}, func() time.Time { return now })
	for range 3 {
		m.Read("answers:color")
	}
	if strings.Contains(logs2.String(), "passed") {
		t.Fatalf("warned at the limit, not past it: %s", logs2)
	}
	m.Read("answers:color")
	m.Read("answers:color")
	m.Write()
	m.Write()
	m.Write()
	if c := strings.Count(logs2.String(), "reads today passed"); c != 1 {
		t.Errorf("%d read warnings, want 1: %s", c, logs2)
	}
	if c := strings.Count(logs2.String(), "writes today passed"); c != 1 {
		t.Errorf("%d write warnings, want 1: %s", c, logs2)
	}
	if u := m.Usage(); u.Day != "2026-03-01" || u.Reads != 5 || u.Writes != 3 {
		t.Errorf("usage %+v", u)
	}
	now = now.Add(2 * time.Minute) // next UTC day
	if u := m.Usage(); u.Day != "2026-03-02" || u.Reads != 0 || u.Writes != 0 {
		t.Errorf("after midnight UTC: %+v", u)
	}
	for range 4 {
		m.Read("answers:color")
	}
	if c := strings.Count(logs2.String(), "reads today passed"); c != 2 {
		t.Errorf("%d read warnings after a new day, want 2", c)
	}
}
