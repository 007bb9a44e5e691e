package main

import (
	"encoding/json"
	"fmt"
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
