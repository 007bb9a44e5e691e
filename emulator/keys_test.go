package emulator

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestKeysAndEntriesWalkEveryPage: the iterators cross page boundaries (List
// pages 1000 keys), keep key order, honour the prefix, stop when asked, and skip
// nothing live.
func TestKeysAndEntriesWalkEveryPage(t *testing.T) {
	o, err := OpenNamespace(t.TempDir(), "iter-ns")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	const n = 1010 // just over one page of List
	for i := range n {
		if _, err := o.Put(fmt.Sprintf("k%05d", i), []byte(fmt.Sprint(i)), PutOptions{Metadata: []byte(`{"i":1}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.Put("other", []byte("x"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, prefix string
		stopAt       int // 0 = never
		want         int
	}{
		{"all keys across pages", "", 0, n + 1},
		{"a prefix", "k00", 0, 1000},
		{"nothing matches", "zz", 0, 0},
		{"stopping early past a page", "", 1005, 1005},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, last := 0, ""
			for k, err := range o.Keys(c.prefix) {
				if err != nil {
					t.Fatal(err)
				}
				if k.Name <= last || !strings.HasPrefix(k.Name, c.prefix) {
					t.Fatalf("key %q after %q (prefix %q)", k.Name, last, c.prefix)
				}
				last = k.Name
				if got++; got == c.stopAt {
					break
				}
			}
			if got != c.want {
				t.Fatalf("Keys yielded %d, want %d", got, c.want)
			}
			entries := 0
			for e, err := range o.Entries(c.prefix) {
				if err != nil {
					t.Fatal(err)
				}
				if e.Key != "other" && (string(e.Value) != strings.TrimLeft(e.Key[1:], "0") && !(e.Key == "k00000" && string(e.Value) == "0") || string(e.Metadata) != `{"i":1}`) {
					t.Fatalf("entry %q = %q %s", e.Key, e.Value, e.Metadata)
				}
				if entries++; entries == c.stopAt {
					break
				}
			}
			if entries != c.want {
				t.Fatalf("Entries yielded %d, want %d", entries, c.want)
			}
		})
	}
}

// TestEntriesSkipsWhatExpired: a key that expires between listing and reading
// is skipped, not an error; and an error from the store ends the walk as an error.
func TestEntriesSkipsWhatExpiredAndReportsErrors(t *testing.T) {
	s, clock := newTestStore(t)
	ns, err := s.Namespace("exp-ns")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put("a", []byte("1"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put("b", []byte("2"), PutOptions{ExpirationTTL: 60}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for e, err := range ns.Entries("") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Key)
		clock.t = clock.t.Add(2 * time.Minute) // b expires after it was listed
	}
	if strings.Join(got, ",") != "a" {
		t.Fatalf("entries %v, want only a", got)
	}
	s.Close()
	var last error
	for _, err := range ns.Entries("") {
		last = err
	}
	if last == nil || errors.Is(last, ErrNotFound) {
		t.Fatalf("a closed store: last error %v", last)
	}
}
