package seeds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
)

func newStore(t *testing.T) (*answers.Store, *emulator.Namespace) {
	t.Helper()
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ns, err := st.Namespace("wine-answers-ns")
	if err != nil {
		t.Fatal(err)
	}
	return answers.NewStore(ns, nil, zerolog.Nop()), ns
}

func versions(t *testing.T, ns *emulator.Namespace) map[answers.Category]string {
	t.Helper()
	out := map[answers.Category]string{}
	for _, c := range answers.Categories {
		if e, err := ns.GetWithMetadata(c.Key()); err == nil {
			out[c] = e.Version
		}
	}
	return out
}

func read(t *testing.T, st *answers.Store, c answers.Category) answers.Snapshot {
	t.Helper()
	s, err := st.Read(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// SeedEmpty fills an empty namespace; a second run writes nothing.
func TestSeedEmptyIsIdempotent(t *testing.T) {
	st, ns := newStore(t)
	res, err := SeedEmpty(st)
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	for _, r := range res {
		if !r.Written || r.Added != len(def[r.Category]) {
			t.Errorf("first seeding of %s: %+v, want %d added", r.Category, r, len(def[r.Category]))
		}
	}
	grapes := read(t, st, answers.Grape).List
	if len(grapes) != len(def[answers.Grape]) || grapes[0].ID != def[answers.Grape][0].ID || grapes[0].Custom {
		t.Errorf("stored grapes: %d, first %+v", len(grapes), grapes[0])
	}
	if _, err := time.Parse(time.RFC3339, grapes[0].CreatedAt); err != nil {
		t.Errorf("createdAt: %v", err)
	}
	v1 := versions(t, ns)
	res, err = SeedEmpty(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Written || r.Added != 0 {
			t.Errorf("second seeding wrote %s: %+v", r.Category, r)
		}
	}
	if v2 := versions(t, ns); len(v1) != 5 || !equalMaps(v1, v2) {
		t.Errorf("versions changed on a second seeding: %v -> %v", v1, v2)
	}
}

func equalMaps(a, b map[answers.Category]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A category that exists, even empty, is the user's: SeedEmpty leaves it alone,
// Apply without reset adds only the missing seeds and keeps custom answers, and
// Apply with reset makes it exactly the seeds.
func TestApplyKeepsCustomUnlessReset(t *testing.T) {
	st, ns := newStore(t)
	if _, err := ns.Put(answers.Color.Key(), []byte(`[]`), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	custom := `[{"id":"red","label":"RED","custom":false,"createdAt":"2020-01-01T00:00:00Z"},{"id":"blue","label":"Blue","custom":true,"createdAt":"2021-01-01T00:00:00Z"}]`
	if _, err := ns.Put(answers.Wine.Key(), []byte(custom), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := SeedEmpty(st); err != nil {
		t.Fatal(err)
	}
	if l := read(t, st, answers.Color).List; len(l) != 0 {
		t.Errorf("SeedEmpty filled an existing empty category: %v", l)
	}
	if l := read(t, st, answers.Wine).List; len(l) != 2 {
		t.Errorf("SeedEmpty touched an existing category: %v", l)
	}
	set, err := Parse([]byte(`{"wine": ["Red", "Barolo"], "color": ["White"]}`), "test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Apply(st, set, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wine := read(t, st, answers.Wine).List
	if len(wine) != 3 || wine[0].Label != "RED" || wine[1].ID != "blue" || wine[2].ID != "barolo" {
		t.Errorf("after Apply: %+v", wine)
	}
	if r := find(res, answers.Wine); r.Added != 1 || r.Kept != 2 || !r.Written {
		t.Errorf("wine result %+v", r)
	}
	res, err = Apply(st, set, Options{Reset: true})
	if err != nil {
		t.Fatal(err)
	}
	wine = read(t, st, answers.Wine).List
	if len(wine) != 2 || wine[0].ID != "red" || wine[0].Label != "Red" || wine[0].CreatedAt != "2020-01-01T00:00:00Z" || wine[1].ID != "barolo" {
		t.Errorf("after reset: %+v", wine)
	}
	if r := find(res, answers.Wine); r.Removed != 1 || r.Kept != 2 || r.Added != 0 {
		t.Errorf("reset result %+v", r)
	}
	before := versions(t, ns)
	if _, err := Apply(st, set, Options{Reset: true}); err != nil {
		t.Fatal(err)
	}
	if after := versions(t, ns); !equalMaps(before, after) {
		t.Errorf("a second reset rewrote unchanged categories: %v -> %v", before, after)
	}
}

func find(rs []Result, c answers.Category) Result {
	for _, r := range rs {
		if r.Category == c {
			return r
		}
	}
	return Result{}
}

// A corrupt category stops seeding with an error naming the key, and stays as it was.
func TestApplyRefusesCorruptCategory(t *testing.T) {
	st, ns := newStore(t)
	if _, err := ns.Put(answers.Country.Key(), []byte(`oops`), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := SeedEmpty(st)
	if err == nil || !strings.Contains(err.Error(), "answers:country") {
		t.Fatalf("err = %v, want one naming answers:country", err)
	}
	if v, _ := ns.Get(answers.Country.Key()); string(v) != "oops" {
		t.Errorf("corrupt value changed to %q", v)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.json")
	data, _ := json.Marshal(map[string][]string{"grape": {"Merlot", "Syrah"}})
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := Load(path, time.Now())
	if err != nil || set.Count() != 2 {
		t.Fatalf("Load: %v, %v", set, err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "absent.json"), time.Now()); err == nil {
		t.Errorf("Load of a missing file succeeded")
	}
}
