package answers_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// startLimited serves the API over the real emulator with KV limits in mode, on
// a clock shared by the API and the limiter, so the 1 s window passes without
// sleeping.
func startLimited(t *testing.T, mode kvlimits.Mode, q kvlimits.Quotas) (string, *testenv.Clock, *testenv.SyncBuffer) {
	t.Helper()
	root := t.TempDir()
	clk := testenv.NewClock(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	l, err := kvlimits.Start(root, mode, kvlimits.Options{Now: clk.Now, Quotas: q})
	if err != nil {
		t.Fatal(err)
	}
	ns := openNamespace(t, root)
	t.Cleanup(func() {
		if l != nil {
			l.Close()
		}
	})
	logs := &testenv.SyncBuffer{}
	srv := answers.New(kvlimits.WrapWrites(ns, l), answers.Options{Logger: zerolog.New(logs), Now: clk.Now, Limits: l, Namespace: ns.ID()})
	if _, err := seeds.SeedEmpty(srv.Store()); err != nil { // setup, before Arm: counts nothing
		t.Fatal(err)
	}
	l.Arm()
	return serveHTTP(t, srv), clk, logs
}

const refusedPut = `{"error":{"code":"internal","message":"Error: KV PUT failed: 429 Too Many Requests"}}`

func TestLimitsSecondWriteWithinASecond(t *testing.T) {
	for _, tc := range []struct {
		mode    kvlimits.Mode
		refused bool
	}{{kvlimits.Off, false}, {kvlimits.Production, true}, {kvlimits.Free, true}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			base, clk, logs := startLimited(t, tc.mode, kvlimits.Quotas{})
			if res, body := httpDo(t, "POST", base+"/answers/grape", `{"label":"Pelaverga"}`); res.StatusCode != 201 {
				t.Fatalf("first POST: %d %s", res.StatusCode, body)
			}
			clk.Advance(999 * time.Millisecond)
			res, body := httpDo(t, "POST", base+"/answers/grape", `{"label":"Schioppettino"}`)
			_, list := httpDo(t, "GET", base+"/answers/grape", "")
			if !tc.refused {
				if res.StatusCode != 201 || !strings.Contains(list, "schioppettino") {
					t.Fatalf("off: second POST %d %s; list %s", res.StatusCode, body, list)
				}
				return
			}
			if res.StatusCode != 500 || body != refusedPut {
				t.Fatalf("second POST within 1 s: %d %s, want 500 %s", res.StatusCode, body, refusedPut)
			}
			if strings.Contains(list, "schioppettino") || !strings.Contains(list, "pelaverga") {
				t.Fatalf("after the refusal the category is %s", list)
			}
			// Named as a refusal, not a lost update.
			_, lost := httpDo(t, "GET", base+"/_arena/lost", "")
			var l struct {
				LostWrites int64                  `json:"lost_writes"`
				Refused    []answers.RefusedEvent `json:"refused"`
			}
			if err := json.Unmarshal([]byte(lost), &l); err != nil {
				t.Fatal(err)
			}
			if l.LostWrites != 0 || len(l.Refused) != 1 || l.Refused[0].Category != "grape" || l.Refused[0].Reason != kvlimits.ReasonKeyRate {
				t.Fatalf("/_arena/lost: %s", lost)
			}
			if !strings.Contains(logs.String(), "KV refused the operation") {
				t.Fatalf("no refusal in the log: %s", logs)
			}
			clk.Advance(time.Millisecond) // 1 s after the first write
			if res, body := httpDo(t, "POST", base+"/answers/grape", `{"label":"Schioppettino"}`); res.StatusCode != 201 {
				t.Fatalf("POST 1 s later: %d %s", res.StatusCode, body)
			}
			clk.Advance(10 * time.Millisecond)
			if res, body := httpDo(t, "DELETE", base+"/answers/grape/pelaverga", ""); res.StatusCode != 500 || body != refusedPut {
				t.Fatalf("DELETE of an answer 10 ms after a write: %d %s", res.StatusCode, body)
			}
			_, list = httpDo(t, "GET", base+"/answers/grape", "")
			if !strings.Contains(list, "pelaverga") || !strings.Contains(list, "schioppettino") {
				t.Fatalf("after the refused DELETE: %s", list)
			}
			var rep kvlimits.Report
			_, body = httpDo(t, "GET", base+"/_arena/kv/limits", "")
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Mode != tc.mode || len(rep.Refusals) != 2 || rep.Quotas[1].Op != kvlimits.Write || rep.Quotas[1].Count != 2 {
				t.Fatalf("/_arena/kv/limits: %s", body)
			}
		})
	}
}

func TestLimitsFreeQuotaRefusesTheNextOperation(t *testing.T) {
	base, clk, _ := startLimited(t, kvlimits.Free, kvlimits.Quotas{Reads: 3, Writes: 1})
	if res, body := httpDo(t, "POST", base+"/answers/color", `{"label":"Ramato"}`); res.StatusCode != 201 { // one read, one write
		t.Fatalf("POST: %d %s", res.StatusCode, body)
	}
	clk.Advance(5 * time.Second)
	// Another key, long after: only the day's write quota refuses it.
	if res, body := httpDo(t, "POST", base+"/answers/grape", `{"label":"Pelaverga"}`); res.StatusCode != 500 || body != refusedPut {
		t.Fatalf("a write past the quota: %d %s", res.StatusCode, body)
	}
	// That POST's read was the second; one more read is allowed, then none.
	if res, body := httpDo(t, "GET", base+"/answers/grape", ""); res.StatusCode != 200 || strings.Contains(body, "pelaverga") {
		t.Fatalf("GET: %d %s", res.StatusCode, body)
	}
	res, body := httpDo(t, "GET", base+"/answers/color", "")
	if want := `{"error":{"code":"internal","message":"Error: KV GET failed: 429 Too Many Requests"}}`; res.StatusCode != 500 || body != want {
		t.Fatalf("a read past the quota: %d %s, want 500 %s", res.StatusCode, body, want)
	}
	clk.Advance(14 * time.Hour) // the next UTC day
	if res, body := httpDo(t, "GET", base+"/answers/color", ""); res.StatusCode != 200 || !strings.Contains(body, "ramato") {
		t.Fatalf("GET the next day: %d %s", res.StatusCode, body)
	}
}
