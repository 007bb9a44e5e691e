package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// The kv commands follow the mode the state's last server started with, and
// kv quota shows and clears the counts.
func TestKVCommandsFollowTheStatesLimits(t *testing.T) {
	dir := kvProject(t)
	state := filepath.Join(dir, ".wrangler", "state")
	run := func(args ...string) (string, string, int) {
		return runArenaDev(t, dir, append([]string{"kv"}, args...)...)
	}
	if out, _, code := run("quota"); code != 0 || !strings.Contains(out, "no KV limits counts") {
		t.Fatalf("quota on a state without limits: %d %s", code, out)
	}
	started := func(m kvlimits.Mode) { // what up or serve records at start
		t.Helper()
		l, err := kvlimits.Start(state, m, kvlimits.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	// twoPuts writes key twice in a row and returns the second's result, or
	// ok=false when the machine took a second or more between them (no evidence).
	twoPuts := func(key string) (errOut string, code int, ok bool) {
		if _, e, c := run("key", "put", key, "one", "--binding", "OTHER"); c != 0 {
			t.Fatalf("first put: %d %s", c, e)
		}
		first := time.Now()
		_, errOut, code = run("key", "put", key, "two", "--binding", "OTHER")
		return errOut, code, time.Since(first) < kvlimits.KeyWriteInterval
	}

	started(kvlimits.Production)
	refused := false
	for try := 0; try < 3 && !refused; try++ {
		errOut, code, ok := twoPuts(fmt.Sprintf("k%d", try))
		if !ok {
			continue
		}
		if code != 1 || !strings.Contains(errOut, "KV PUT failed: 429 Too Many Requests") || !strings.Contains(errOut, "one write a second per key") {
			t.Fatalf("a second put within 1 s: exit %d %s", code, errOut)
		}
		if out, _, _ := run("key", "get", fmt.Sprintf("k%d", try), "--binding", "OTHER"); out != "one" {
			t.Fatalf("the refused put stored %q", out)
		}
		refused = true
	}
	if !refused {
		t.Fatal("no two puts within 1 s in three tries")
	}
	out, _, code := run("quota", "--json")
	var r kvlimits.Report
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("quota --json: %d %s %v", code, out, err)
	}
	if r.Mode != kvlimits.Production || len(r.Refusals) == 0 || r.Quotas[1].Count < 1 {
		t.Fatalf("quota --json: %s", out)
	}
	if out, _, code := run("quota"); code != 0 || !strings.Contains(out, "KV limits: production") || !strings.Contains(out, "KV PUT failed: 429") {
		t.Fatalf("quota: %d %s", code, out)
	}
	if out, _, code := run("quota", "--reset"); code != 0 || !strings.Contains(out, "cleared") {
		t.Fatalf("quota --reset: %d %s", code, out)
	}
	if out, _, _ := run("quota", "--json"); !strings.Contains(out, `"refusals": []`) || strings.Contains(out, `"count": 1`) {
		t.Fatalf("after --reset: %s", out)
	}

	started(kvlimits.Off) // the next server ran without limits: the commands follow
	for i := 0; i < 2; i++ {
		if _, e, c := run("key", "put", "off", "v", "--binding", "OTHER"); c != 0 {
			t.Fatalf("put %d with limits off: %d %s", i, c, e)
		}
	}
}

// serve --kv-consistency edge --kv-limits production: the limits sit under the
// locations' caches, so a second location's write within the second is
// refused like any other, and the state records the mode for the kv commands.
func TestServeEdgeWithLimits(t *testing.T) {
	base, _ := startServe(t, "--persist-to", t.TempDir(), "--kv-consistency", "edge", "--kv-limits", "production")
	post := func(colo, label string) (int, string) {
		req, _ := http.NewRequest("POST", base+"/answers/grape", strings.NewReader(`{"label":"`+label+`"}`))
		req.Header.Set("X-Arena-Colo", colo)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for try := 0; ; try++ {
		a, b := fmt.Sprintf("Edge Grape A%d", try), fmt.Sprintf("Edge Grape B%d", try)
		if code, body := post("CDG", a); code != 201 {
			t.Fatalf("CDG's POST: %d %s", code, body)
		}
		first := time.Now()
		code, body := post("SJC", b)
		if time.Since(first) >= kvlimits.KeyWriteInterval { // too slow to be evidence: wait the second out, again
			if try == 2 {
				t.Fatal("no two POSTs within 1 s in three tries")
			}
			for time.Since(first) < kvlimits.KeyWriteInterval {
				time.Sleep(time.Until(first.Add(kvlimits.KeyWriteInterval)))
			}
			continue
		}
		if code != 500 || !strings.Contains(body, "KV PUT failed: 429 Too Many Requests") {
			t.Fatalf("SJC's POST within 1 s of CDG's: %d %s", code, body)
		}
		break
	}
	var r kvlimits.Report
	getJSON(t, base+"/_arena/kv/limits", &r)
	if r.Mode != kvlimits.Production || len(r.Refusals) != 1 {
		t.Fatalf("/_arena/kv/limits: %+v", r)
	}
}
