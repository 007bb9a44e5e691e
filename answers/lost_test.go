package answers_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

type lostReport struct {
	LostWrites int64 `json:"lost_writes"`
	Events     []struct {
		Seq      int64  `json:"seq"`
		Category string `json:"category"`
		FoundBy  string `json:"found_by"`
		Lost     []struct {
			ID      string `json:"id"`
			Label   string `json:"label"`
			Custom  bool   `json:"custom"`
			Present bool   `json:"present"`
		} `json:"lost"`
	} `json:"events"`
}

func getLost(t *testing.T, base string) lostReport {
	t.Helper()
	var rep lostReport
	if err := json.Unmarshal([]byte(mustStatus(t, 200, "GET", base+"/_arena/lost", "")), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// A careless writer's overwrite noticed by the next write is recorded with the
// entry that was lost; re-adding it (PUT by id) marks it present.
func TestLostEventKeepsTheLostEntry(t *testing.T) {
	root := t.TempDir()
	ns, careless := openNamespace(t, root), openNamespace(t, root)
	srv := answers.New(ns, answers.Options{Logger: zerolog.Nop()})
	base := serveHTTP(t, srv)
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Gamay"}`)
	stale, _ := careless.Get("answers:grape")
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Mourvèdre"}`)
	if _, err := careless.Put("answers:grape", stale, emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if rep := getLost(t, base); len(rep.Events) != 1 || rep.Events[0].FoundBy != "check" {
		// the look itself finds it, before any write
		t.Fatalf("after the overwrite: %+v, want one event found by a check", rep)
	}
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Syrah"}`)
	rep := getLost(t, base)
	if rep.LostWrites != 1 || len(rep.Events) != 1 {
		t.Fatalf("after another write: %+v, want the one event, not a second", rep)
	}
	ev := rep.Events[0]
	if ev.Category != "grape" || len(ev.Lost) != 1 || ev.Lost[0].ID != "mourvedre" || ev.Lost[0].Label != "Mourvèdre" || !ev.Lost[0].Custom || ev.Lost[0].Present {
		t.Fatalf("event %+v, want grape's Mourvèdre, lost and not present", ev)
	}
	mustStatus(t, 201, "PUT", base+"/answers/grape/mourvedre", `{"label": "Mourvèdre", "custom": true}`)
	if rep := getLost(t, base); !rep.Events[0].Lost[0].Present {
		t.Fatalf("after re-adding: %+v, want present", rep)
	}
}

// The next write notices an overwrite the dashboard never looked at, as the log says.
func TestLostEventFoundByAWrite(t *testing.T) {
	root := t.TempDir()
	ns, careless := openNamespace(t, root), openNamespace(t, root)
	logs := &testenv.SyncBuffer{}
	base := serveHTTP(t, answers.New(ns, answers.Options{Logger: zerolog.New(logs)}))
	mustStatus(t, 201, "POST", base+"/answers/color", `{"label": "Orange"}`)
	if _, err := careless.Put("answers:color", []byte(`[]`), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	mustStatus(t, 201, "POST", base+"/answers/color", `{"label": "Red"}`)
	rep := getLost(t, base)
	if len(rep.Events) != 1 || rep.Events[0].FoundBy != "write" || rep.Events[0].Lost[0].ID != "orange" {
		t.Fatalf("%+v, want one event found by the write, orange lost", rep)
	}
	if !strings.Contains(logs.String(), "changed underneath") {
		t.Errorf("no warning logged:\n%s", logs)
	}
}

// The list is bounded: the oldest events go, the count keeps growing.
func TestLostEventsAreBounded(t *testing.T) {
	root := t.TempDir()
	ns, careless := openNamespace(t, root), openNamespace(t, root)
	st := answers.NewStore(ns, nil, zerolog.Nop())
	n := answers.MaxLostEvents + 3
	for i := range n {
		if _, err := st.Update(answers.Wine, func(cur answers.Snapshot) ([]answers.Entry, error) {
			return append(cur.List, answers.Entry{ID: "w" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Label: "W", CreatedAt: "2026-01-01T00:00:00Z"}), nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := careless.Put("answers:wine", []byte(`[]`), emulator.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := st.CheckLost(); err != nil {
			t.Fatal(err)
		}
	}
	ev := st.LostEvents()
	if len(ev) != answers.MaxLostEvents || ev[len(ev)-1].Seq != int64(n) || ev[0].Seq != 4 || st.LostWrites() != int64(n) {
		t.Fatalf("%d events (seq %d..%d), %d lost writes; want %d kept of %d", len(ev), ev[0].Seq, ev[len(ev)-1].Seq, st.LostWrites(), answers.MaxLostEvents, n)
	}
}

// A write from a page served by this very host is same-origin and allowed; another
// port on the same machine is another origin and is refused.
func TestSameOriginWriteAllowed(t *testing.T) {
	base, _ := startArenaDev(t, t.TempDir(), answers.Options{})
	if res, body := httpDo(t, "POST", base+"/answers/color", `{"label": "Red"}`, "Origin", base); res.StatusCode != 201 {
		t.Fatalf("same-origin POST: %d %s", res.StatusCode, body)
	}
	if res, body := httpDo(t, "POST", base+"/answers/color", `{"label": "White"}`, "Origin", "http://127.0.0.1:1"); res.StatusCode != 403 {
		t.Fatalf("POST from another port: %d %s", res.StatusCode, body)
	}
	if got := getList(t, base, "color"); len(got) != 1 {
		t.Fatalf("color = %+v, want only Red", got)
	}
}
