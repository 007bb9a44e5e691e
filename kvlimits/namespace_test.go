package kvlimits

import (
	"errors"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
)

func openNS(t *testing.T) (*emulator.Namespace, string) {
	t.Helper()
	root := t.TempDir()
	o, err := emulator.OpenNamespace(root, "ANSWERS")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o.Namespace, root
}

func value(t *testing.T, ns *emulator.Namespace, key string) string {
	t.Helper()
	v, err := ns.Get(key)
	if errors.Is(err, emulator.ErrNotFound) {
		return "<absent>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

func TestNamespaceRefusedWritesStoreNothing(t *testing.T) {
	put := func(n *Namespace, v string) error { _, err := n.Put("k", []byte(v), emulator.PutOptions{}); return err }
	update := func(n *Namespace, v string) error {
		_, err := n.Update("k", func(*emulator.Entry) ([]byte, emulator.PutOptions, error) {
			return []byte(v), emulator.PutOptions{}, nil
		})
		return err
	}
	for _, tc := range []struct {
		name  string
		write func(*Namespace, string) error
	}{{"put", put}, {"update", update}} {
		t.Run(tc.name, func(t *testing.T) {
			ns, root := openNS(t)
			c := newClock()
			n := Wrap(ns, start(t, root, Production, c, Quotas{}))
			if err := tc.write(n, "one"); err != nil {
				t.Fatal(err)
			}
			c.add(500 * time.Millisecond)
			err := tc.write(n, "two")
			var r *Refusal
			if !errors.As(err, &r) || r.Error() != "KV PUT failed: 429 Too Many Requests" {
				t.Fatalf("second write within 1 s: %v", err)
			}
			if got := value(t, ns, "k"); got != "one" {
				t.Fatalf("after the refusal the key holds %q, want one", got)
			}
			c.add(500 * time.Millisecond)
			if err := tc.write(n, "three"); err != nil {
				t.Fatalf("a write 1 s later: %v", err)
			}
			if got := value(t, ns, "k"); got != "three" {
				t.Fatalf("key holds %q, want three", got)
			}
			if err := n.Delete("k"); !errors.As(err, &r) || r.Error() != "KV DELETE failed: 429 Too Many Requests" {
				t.Fatalf("delete right after a write: %v", err)
			}
			if got := value(t, ns, "k"); got != "three" {
				t.Fatalf("a refused delete removed the key (%q)", got)
			}
		})
	}
}

func TestNamespaceUpdateThatWritesNothingCountsNothing(t *testing.T) {
	ns, root := openNS(t)
	c := newClock()
	l := start(t, root, Free, c, Quotas{Writes: 1})
	n := WrapWrites(ns, l)
	stop := errors.New("no change")
	if _, err := n.Update("k", func(*emulator.Entry) ([]byte, emulator.PutOptions, error) { return nil, emulator.PutOptions{}, stop }); !errors.Is(err, stop) {
		t.Fatal(err)
	}
	// Too large for KV: refused by Miniflare's limit before it is a write.
	big := make([]byte, emulator.MaxValueBytes+1)
	var le *emulator.LimitError
	if _, err := n.Put("k", big, emulator.PutOptions{}); !errors.As(err, &le) {
		t.Fatalf("oversized put: %v", err)
	}
	if _, err := n.Get("k"); !errors.Is(err, emulator.ErrNotFound) {
		t.Fatal(err)
	}
	rep := report(t, l)
	if rep.Quotas[0].Count != 0 || rep.Quotas[1].Count != 0 {
		t.Fatalf("counted %+v; want no read (WrapWrites) and no write", rep.Quotas)
	}
	if _, err := n.Put("k", []byte("v"), emulator.PutOptions{}); err != nil {
		t.Fatalf("the one write of the quota: %v", err)
	}
}

func TestNamespaceWithoutLimiterIsTheNamespace(t *testing.T) {
	ns, _ := openNS(t)
	n := Wrap(ns, nil)
	for i := 0; i < 3; i++ {
		if _, err := n.Put("k", []byte("v"), emulator.PutOptions{}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := n.Delete("k"); err != nil {
		t.Fatal(err)
	}
}

func TestNamespaceCountsReadsAndLists(t *testing.T) {
	ns, root := openNS(t)
	c := newClock()
	l := start(t, root, Free, c, Quotas{Reads: 1, Lists: 1})
	n := Wrap(ns, l)
	n.Get("k")
	var r *Refusal
	if _, err := n.GetWithMetadata("k"); !errors.As(err, &r) || r.Error() != "KV GET failed: 429 Too Many Requests" {
		t.Fatalf("second read past a quota of 1: %v", err)
	}
	if _, err := n.List(emulator.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.List(emulator.ListOptions{}); !errors.As(err, &r) {
		t.Fatalf("second list past a quota of 1: %v", err)
	}
}

// Keys and Entries (what `kv key list` and `kv export` iterate with) go through
// the wrapper's List and reads, so they count and are refused like them: the
// embedded namespace's own iterators would list around the limits.
func TestNamespaceIteratorsCount(t *testing.T) {
	ns, root := openNS(t)
	if _, err := ns.Put("k", []byte("v"), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	l := start(t, root, Free, newClock(), Quotas{Reads: 1, Lists: 1})
	n := Wrap(ns, l)
	for e, err := range n.Entries("") { // one list, one read: both quotas used
		if err != nil || e.Key != "k" {
			t.Fatalf("first export: %v %v", e, err)
		}
	}
	var r *Refusal
	for _, err := range n.Keys("") {
		if !errors.As(err, &r) {
			t.Fatalf("a list past a quota of 1 through Keys: %v, want a refusal", err)
		}
	}
	if r == nil {
		t.Fatal("Keys yielded nothing past the list quota, want a refusal")
	}
}
