package kvlimits

import (
	"errors"
	"os"
	"testing"
	"time"
)

// clock is a settable clock for tests: the 1 s window passes without sleeping.
type clock struct{ t time.Time }

func (c *clock) now() time.Time      { return c.t }
func (c *clock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock               { return &clock{t: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)} }
func start(t *testing.T, root string, m Mode, c *clock, q Quotas) *Limiter {
	t.Helper()
	l, err := Start(root, m, Options{Now: c.now, Quotas: q})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.Arm()
	return l
}

func TestParseMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mode
		bad  bool
	}{{"", Off, false}, {"off", Off, false}, {"production", Production, false}, {"free", Free, false}, {"Free", "", true}, {"paid", "", true}} {
		got, err := ParseMode(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseMode(%q) = %q, %v", tc.in, got, err)
		}
	}
}

// step is one operation at a time offset, and whether it is refused.
type step struct {
	after  time.Duration // clock moves this much before the operation
	op     Op
	key    string
	reason string // "" = admitted
}

func TestBeginTable(t *testing.T) {
	tests := []struct {
		name   string
		mode   Mode
		quotas Quotas
		steps  []step
	}{
		{"production: a second write within 1 s is refused, one at 1 s is not", Production, Quotas{}, []step{
			{0, Write, "k", ""}, {999 * time.Millisecond, Write, "k", ReasonKeyRate}, {time.Millisecond, Write, "k", ""},
		}},
		{"production: other keys are independent", Production, Quotas{}, []step{
			{0, Write, "a", ""}, {0, Write, "b", ""}, {0, Write, "a", ReasonKeyRate},
		}},
		{"production: a delete takes the key's slot like a write", Production, Quotas{}, []step{
			{0, Write, "k", ""}, {10 * time.Millisecond, Delete, "k", ReasonKeyRate}, {time.Second, Delete, "k", ""}, {0, Write, "k", ReasonKeyRate},
		}},
		{"production: no daily quota", Production, Quotas{Reads: 1, Lists: 1}, []step{
			{0, Read, "k", ""}, {0, Read, "k", ""}, {0, List, "", ""}, {0, List, "", ""},
		}},
		{"free: the quota's next operation is refused, per kind", Free, Quotas{Reads: 2, Writes: 1, Deletes: 1, Lists: 1}, []step{
			{0, Read, "k", ""}, {0, Read, "k", ""}, {0, Read, "k", ReasonDailyQuota},
			{0, Write, "a", ""}, {2 * time.Second, Write, "b", ReasonDailyQuota},
			{0, Delete, "c", ""}, {0, Delete, "d", ReasonDailyQuota}, {0, List, "", ""}, {0, List, "", ReasonDailyQuota},
		}},
		{"free: a new UTC day starts again", Free, Quotas{Writes: 1}, []step{
			{0, Write, "a", ""}, {2 * time.Second, Write, "b", ReasonDailyQuota}, {14 * time.Hour, Write, "b", ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			l := start(t, t.TempDir(), tc.mode, c, tc.quotas)
			for i, s := range tc.steps {
				c.add(s.after)
				_, err := l.Begin(s.op, "ns", s.key)
				var r *Refusal
				switch {
				case s.reason == "" && err != nil:
					t.Fatalf("step %d (%s %q): refused: %v", i, s.op, s.key, err)
				case s.reason != "" && (!errors.As(err, &r) || r.Reason != s.reason):
					t.Fatalf("step %d (%s %q): got %v, want a %s refusal", i, s.op, s.key, err, s.reason)
				}
			}
		})
	}
}

func TestRefusalMessagesAreProductions(t *testing.T) {
	for op, want := range map[Op]string{Write: "KV PUT failed: 429 Too Many Requests", Delete: "KV DELETE failed: 429 Too Many Requests",
		Read: "KV GET failed: 429 Too Many Requests", List: "KV GET failed: 429 Too Many Requests"} {
		if got := refusal(time.Now(), op, "ns", "k", ReasonKeyRate, "").Error(); got != want {
			t.Errorf("%s: %q, want %q", op, got, want)
		}
	}
}

func TestDoneFalseGivesBack(t *testing.T) {
	c := newClock()
	l := start(t, t.TempDir(), Free, c, Quotas{Writes: 1})
	tk, err := l.Begin(Write, "ns", "k")
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.Done(false); err != nil {
		t.Fatal(err)
	}
	// The slot and the quota are free again: the write that failed never happened.
	if _, err := l.Begin(Write, "ns", "k"); err != nil {
		t.Fatalf("after a given-back write: %v", err)
	}
	if r := report(t, l); r.Quotas[1].Count != 1 {
		t.Fatalf("writes counted: %d, want 1", r.Quotas[1].Count)
	}
}

func report(t *testing.T, l *Limiter) Report {
	t.Helper()
	r, err := l.Report()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCountsSurviveAndAreShared(t *testing.T) {
	root := t.TempDir()
	c := newClock()
	a := start(t, root, Free, c, Quotas{})
	b, err := Attach(root, Options{Now: c.now}) // another process on the same state
	if err != nil || b == nil {
		t.Fatalf("Attach: %v, %v", b, err)
	}
	defer b.Close()
	if b.Mode() != Free {
		t.Fatalf("attached in mode %q, want the state's free", b.Mode())
	}
	if _, err := a.Begin(Write, "ns", "k"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Begin(Write, "ns", "k")
	var r *Refusal
	if !errors.As(err, &r) || r.Reason != ReasonKeyRate {
		t.Fatalf("the other process's second write: %v, want a key_rate refusal", err)
	}
	if err := b.Count(Read, "ns", "k"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	// A restart: the counts and the refusal are still there.
	a2 := start(t, root, Free, c, Quotas{})
	rep := report(t, a2)
	if rep.Quotas[0].Count != 1 || rep.Quotas[1].Count != 1 || len(rep.Refusals) != 1 || rep.Refusals[0].Key != "k" {
		t.Fatalf("after reopening: %+v", rep)
	}
	if err := a2.Reset(); err != nil {
		t.Fatal(err)
	}
	rep = report(t, b)
	if rep.Quotas[0].Count != 0 || rep.Quotas[1].Count != 0 || len(rep.Refusals) != 0 {
		t.Fatalf("after Reset: %+v", rep)
	}
	if _, err := b.Begin(Write, "ns", "k"); err != nil {
		t.Fatalf("a write after Reset: %v", err)
	}
}

func TestOffCreatesNothingAndRecordsOff(t *testing.T) {
	root := t.TempDir()
	for _, m := range []Mode{Off, ""} { // a zero mode is off
		if l, err := Start(root, m, Options{}); l != nil || err != nil {
			t.Fatalf("Start %q: %v, %v", m, l, err)
		}
	}
	if _, err := Start(root, "paid", Options{}); err == nil {
		t.Fatal("Start with an unknown mode: no error")
	}
	if _, err := os.Stat(Path(root)); !os.IsNotExist(err) {
		t.Fatalf("off created %s: %v", Path(root), err)
	}
	if l, err := Attach(root, Options{}); l != nil || err != nil {
		t.Fatalf("Attach without a file: %v, %v", l, err)
	}
	start(t, root, Production, newClock(), Quotas{}).Close()
	if _, err := Start(root, Off, Options{}); err != nil {
		t.Fatal(err)
	}
	if l, err := Attach(root, Options{}); l != nil || err != nil {
		t.Fatalf("Attach after an off start: %v, %v (want no limits)", l, err)
	}
	l, err := Inspect(root, Options{})
	if err != nil || l == nil || l.Mode() != Off {
		t.Fatalf("Inspect: %v, %v", l, err)
	}
	l.Close()
}

func TestUnarmedCountsNothing(t *testing.T) {
	root := t.TempDir()
	l, err := Start(root, Free, Options{Quotas: Quotas{Writes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 3; i++ { // setup before serving: seeding writes each key once, fixtures more
		if _, err := l.Begin(Write, "ns", "k"); err != nil {
			t.Fatalf("unarmed write %d: %v", i, err)
		}
	}
	l.Arm()
	if _, err := l.Begin(Write, "ns", "k"); err != nil {
		t.Fatalf("the first write once armed: %v (setup took the key's slot or the quota)", err)
	}
	if r := report(t, l); r.Quotas[1].Count != 1 {
		t.Fatalf("writes counted: %d, want 1", r.Quotas[1].Count)
	}
}

func TestRefusalsAreBounded(t *testing.T) {
	c := newClock()
	l := start(t, t.TempDir(), Free, c, Quotas{Lists: 1})
	for i := 0; i < MaxRefusals+5; i++ {
		l.Begin(List, "ns", "")
	}
	rep := report(t, l)
	if len(rep.Refusals) != MaxRefusals {
		t.Fatalf("%d refusals kept, want %d", len(rep.Refusals), MaxRefusals)
	}
	if last := rep.Refusals[len(rep.Refusals)-1]; last.Seq != MaxRefusals+4 {
		t.Fatalf("newest refusal seq %d, want %d", last.Seq, MaxRefusals+4)
	}
}
