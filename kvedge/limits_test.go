package kvedge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// Edge consistency combined with KV limits: the docs' worked example of two
// hosts adding a grape within one second (docs/consistency.md). The limits
// wrap the store; the locations read through their caches above them.
func TestEdgeWithLimits(t *testing.T) {
	for _, tc := range []struct {
		mode kvlimits.Mode
		// second: the status of SJC's POST half a second after CDG's.
		second int
		// lost: an answer is lost by the time both hosts' writes succeeded
		// (Schioppettino without limits; with them, Ruché, written by CDG a
		// second after the refusal, lost to SJC's retry from a stale copy).
		lost bool
	}{
		{kvlimits.Off, 201, true},
		{kvlimits.Production, 500, true},
		{kvlimits.Free, 500, true},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			r := newLimitedRig(t, tc.mode)
			c, logs := r.clock, r.log
			r.ids("SJC", "grape") // San José has the page open: SJC caches grape
			r.post("CDG", "grape", "Schioppettino")
			c.Advance(500 * time.Millisecond)
			code, body := r.do("POST", "SJC", "/answers/grape", `{"label":"Pelaverga"}`)
			if code != tc.second {
				t.Fatalf("SJC's POST 0.5 s after CDG's: %d %s, want %d", code, body, tc.second)
			}
			if tc.second == 500 {
				if want := `{"error":{"code":"internal","message":"Error: KV PUT failed: 429 Too Many Requests"}}`; string(body) != want {
					t.Fatalf("refusal body %s, want %s", body, want)
				}
				// Nothing lost, nothing of SJC's stored; a retry after the second
				// still starts from SJC's stale copy.
				r.do("POST", "", "/_arena/kv/propagate", "")
				if ids := r.ids("CDG", "grape"); !has(ids, "schioppettino") || has(ids, "pelaverga") {
					t.Fatalf("after the refusal: %v", ids)
				}
				if strings.Contains(logs.String(), "category changed underneath") || !strings.Contains(logs.String(), "KV refused the operation") {
					t.Fatalf("the refusal is not named as one (or a lost update is reported):\n%s", logs)
				}
				c.Advance(500 * time.Millisecond) // 1 s after Schioppettino's write
				r.ids("SJC", "grape")             // SJC's host reloads: a fresh copy, then...
				r.post("CDG", "grape", "Ruché")
				c.Advance(time.Second) // ...retries a second later, from its copy without Ruché
				r.post("SJC", "grape", "Pelaverga")
			}
			r.do("POST", "", "/_arena/kv/propagate", "")
			lostID := "schioppettino"
			if tc.second == 500 {
				lostID = "ruche"
			}
			ids := r.ids("CDG", "grape")
			if has(ids, lostID) == tc.lost || !has(ids, "pelaverga") {
				t.Fatalf("after both writes: %v (want %s lost: %v)", ids, lostID, tc.lost)
			}
			if strings.Contains(logs.String(), "category changed underneath") != tc.lost {
				t.Fatalf("lost-update warning logged: %v, want %v\n%s", !tc.lost, tc.lost, logs)
			}
		})
	}
}
