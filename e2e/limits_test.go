//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sommelier-arena/arena-dev/internal/browser"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// refusedPut is what the reference Worker answers when its KV put throws
// production's 429 (500 internal with String(e)).
const refusedPut = `{"error":{"code":"internal","message":"Error: KV PUT failed: 429 Too Many Requests"}}`

// upLimits starts the example stack in the background with extra flags and
// returns its URLs (up --wait --ports auto --json).
func (s *stack) upLimits(name string, flags ...string) upJSON {
	s.t.Helper()
	args := append([]string{"up", "--wait", "--ports", "auto", "--name", name, "--json", "--timeout", readyTimeout.String()}, flags...)
	cmd, logPath := s.command(args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("arena-dev %s: %v\n%s", strings.Join(args, " "), err, readFile(logPath))
	}
	var u upJSON
	if err := json.Unmarshal(stdout.Bytes(), &u); err != nil {
		s.t.Fatalf("up --json printed %q: %v", stdout.String(), err)
	}
	for _, svc := range u.Services {
		s.pgids[svc.PID] = true
	}
	return u
}

func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func limitsReport(t *testing.T, api string) kvlimits.Report {
	t.Helper()
	code, body := call(t, "GET", api+"/_arena/kv/limits", "")
	var r kvlimits.Report
	if err := json.Unmarshal([]byte(body), &r); code != 200 || err != nil {
		t.Fatalf("GET /_arena/kv/limits: %d %s (%v)", code, body, err)
	}
	return r
}

func writesToday(r kvlimits.Report) int64 {
	for _, u := range r.Quotas {
		if u.Op == kvlimits.Write {
			return u.Count
		}
	}
	return -1
}

// TestKVLimitsOnTheRealStack drives --kv-limits through `up` on the example:
// the default mode is unchanged; in free mode a second POST to one category
// within 1 s is refused as production refuses it and stores nothing, and
// succeeds once the second has passed; an exhausted quota refuses the next
// write (the API's and `kv key put`'s); the counts survive a restart; and
// `kv quota --reset` clears them.
func TestKVLimitsOnTheRealStack(t *testing.T) {
	s := newStack(t)

	// The default: two writes to one key in a row both succeed, nothing is counted on disk.
	off := s.upLimits("limoff", "--ephemeral")
	api := off.url("answers")
	for _, label := range []string{"Default Grape One", "Default Grape Two"} {
		if code, body := call(t, "POST", api+"/answers/grape", fmt.Sprintf(`{"label":%q}`, label)); code != 201 {
			t.Fatalf("default mode: POST %s: %d %s", label, code, body)
		}
	}
	if r := limitsReport(t, api); r.Mode != kvlimits.Off || len(r.Refusals) != 0 {
		t.Fatalf("default mode's /_arena/kv/limits: %+v", r)
	}
	if code, out := s.run("down", "--name", "limoff"); code != 0 {
		t.Fatalf("down: %d %s", code, out)
	}

	state := filepath.Join(t.TempDir(), "state")
	flags := []string{"--persist-to", state, "--kv-limits", "free"}
	api = s.upLimits("limfree", flags...).url("answers")

	// Two POSTs to one category: the second within 1 s of the first write is
	// refused. Each try measures that it was within the second; a try the
	// machine made slower than that is not evidence, and is done again.
	var first time.Time
	refused := ""
	for try := 0; try < 3 && refused == ""; try++ {
		a, b := fmt.Sprintf("Rate Grape A%d", try), fmt.Sprintf("Rate Grape B%d", try)
		start := time.Now()
		if code, body := call(t, "POST", api+"/answers/grape", fmt.Sprintf(`{"label":%q}`, a)); code != 201 {
			t.Fatalf("first POST: %d %s", code, body)
		}
		first = time.Now()
		code, body := call(t, "POST", api+"/answers/grape", fmt.Sprintf(`{"label":%q}`, b))
		if time.Since(start) >= kvlimits.KeyWriteInterval {
			t.Logf("try %d took %s, over the 1 s window; again", try, time.Since(start))
			for time.Since(first) < kvlimits.KeyWriteInterval { // wait out the window on the clock
				time.Sleep(time.Until(first.Add(kvlimits.KeyWriteInterval)))
			}
			continue
		}
		if code != 500 || body != refusedPut {
			t.Fatalf("second POST within 1 s: %d %s, want 500 %s", code, body, refusedPut)
		}
		refused = b
	}
	if refused == "" {
		t.Fatal("no two POSTs within 1 s in three tries")
	}
	_, list := call(t, "GET", api+"/answers/grape", "")
	if strings.Contains(list, strings.ToLower(strings.ReplaceAll(refused, " ", "-"))) || strings.Contains(list, refused) {
		t.Fatalf("the refused answer %q is stored: %s", refused, list)
	}
	_, lost := call(t, "GET", api+"/_arena/lost", "")
	if !strings.Contains(lost, `"lost_writes":0`) || !strings.Contains(lost, `"reason":"key_rate"`) || !strings.Contains(lost, `"category":"grape"`) {
		t.Fatalf("/_arena/lost does not name the refusal: %s", lost)
	}
	for time.Since(first) < kvlimits.KeyWriteInterval { // the window passes, on the clock
		time.Sleep(time.Until(first.Add(kvlimits.KeyWriteInterval)))
	}
	if code, body := call(t, "POST", api+"/answers/grape", fmt.Sprintf(`{"label":%q}`, refused)); code != 201 {
		t.Fatalf("the same POST 1 s later: %d %s", code, body)
	}
	r := limitsReport(t, api)
	if r.Mode != kvlimits.Free || len(r.Refusals) == 0 || r.Refusals[len(r.Refusals)-1].Reason != kvlimits.ReasonKeyRate {
		t.Fatalf("/_arena/kv/limits after the refusal: %+v", r)
	}

	// Use up today's write quota from this process (another process on the
	// state counts together), then the next write of any kind is refused.
	lim, err := kvlimits.Inspect(state, kvlimits.Options{})
	if err != nil || lim == nil {
		t.Fatalf("opening the state's counts: %v, %v", lim, err)
	}
	if err := lim.Add(kvlimits.Write, kvlimits.FreeQuotas.Writes-writesToday(r)); err != nil {
		t.Fatal(err)
	}
	lim.Close()
	if code, body := call(t, "POST", api+"/answers/color", `{"label":"Quota Color"}`); code != 500 || body != refusedPut {
		t.Fatalf("POST past the write quota: %d %s", code, body)
	}
	if code, out := s.run("kv", "key", "put", "quota-probe", "v", "--persist-to", state); code != 1 || !strings.Contains(out, "KV PUT failed: 429 Too Many Requests") {
		t.Fatalf("kv key put past the write quota: exit %d\n%s", code, out)
	}

	// A restart keeps the counts: still exhausted.
	if code, out := s.run("down", "--name", "limfree"); code != 0 {
		t.Fatalf("down: %d %s", code, out)
	}
	api = s.upLimits("limfree", flags...).url("answers")
	if r := limitsReport(t, api); writesToday(r) != kvlimits.FreeQuotas.Writes || len(r.Refusals) < 3 {
		t.Fatalf("after a restart: %+v", r)
	}
	if code, body := call(t, "POST", api+"/answers/color", `{"label":"Quota Color"}`); code != 500 || body != refusedPut {
		t.Fatalf("POST past the write quota after a restart: %d %s", code, body)
	}

	// The dashboard's meter shows them, from before the restart: the mode, the
	// used-up write quota, the refusals; the answers panel names this process's
	// refusal as one, not as a lost update.
	b := browser.New(t)
	ctx := b.Tab()
	if err := chromedp.Do(ctx, chromedp.Navigate(api+"/_arena/")); err != nil {
		t.Fatal(err)
	}
	meter := `document.querySelector("#usage").innerText`
	waitJS(t, ctx, "the meter in mode free with the write quota used up and the refusals",
		fmt.Sprintf(`document.querySelector("#usage-mode")?.dataset.mode === "free" &&
			document.querySelector("#usage-writes .bar")?.dataset.value === "%d" &&
			document.querySelector("#usage-writes .bar")?.classList.contains("over") &&
			+document.querySelector("#usage-refusals")?.dataset.count >= 3`, kvlimits.FreeQuotas.Writes), meter)
	waitJS(t, ctx, "the refused POST named in the answers panel", `+document.querySelector("#lost")?.dataset.refused >= 1 &&
		document.querySelector("#lost")?.dataset.count === "0" && document.querySelector("#lost .refused")?.innerText.includes("KV PUT failed: 429")`,
		`document.querySelector("#lost").innerText`)

	// kv quota shows them; --reset clears them, and the running stack writes again.
	if code, out := s.run("kv", "quota", "--persist-to", state); code != 0 || !strings.Contains(out, "KV limits: free") || !strings.Contains(out, fmt.Sprint(kvlimits.FreeQuotas.Writes)) {
		t.Fatalf("kv quota: exit %d\n%s", code, out)
	}
	if code, out := s.run("kv", "quota", "--reset", "--persist-to", state); code != 0 {
		t.Fatalf("kv quota --reset: exit %d\n%s", code, out)
	}
	if r := limitsReport(t, api); writesToday(r) != 0 || len(r.Refusals) != 0 {
		t.Fatalf("after kv quota --reset: %+v", r)
	}
	if code, body := call(t, "POST", api+"/answers/color", `{"label":"Quota Color"}`); code != 201 {
		t.Fatalf("POST after kv quota --reset: %d %s", code, body)
	}
	if code, out := s.run("down", "--name", "limfree"); code != 0 {
		t.Fatalf("down: %d %s", code, out)
	}
}
