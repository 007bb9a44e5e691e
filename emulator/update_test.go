package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// openAt opens a second, independent store on root: its own SQLite connection,
// as another arena-dev process would have.
func openAt(t *testing.T, root, id string) *Namespace {
	t.Helper()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ns, err := s.Namespace(id)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// increment is an UpdateFunc adding one to a decimal counter (absent = 0).
func increment(cur *Entry) ([]byte, PutOptions, error) {
	n := 0
	if cur != nil {
		var err error
		if n, err = strconv.Atoi(string(cur.Value)); err != nil {
			return nil, PutOptions{}, err
		}
	}
	return []byte(strconv.Itoa(n + 1)), PutOptions{}, nil
}

// TestUpdateNeverOverwritesUnseenVersion: another connection commits between
// Update's read and its write; the update must be recomputed from that version.
func TestUpdateNeverOverwritesUnseenVersion(t *testing.T) {
	root := t.TempDir()
	ours, theirs := openAt(t, root, "cas"), openAt(t, root, "cas")
	mustPut(t, ours, "list", "a", PutOptions{})
	var seen []string
	res, err := ours.Update("list", func(cur *Entry) ([]byte, PutOptions, error) {
		seen = append(seen, string(cur.Value))
		if len(seen) == 1 { // the other writer gets in first
			mustPut(t, theirs, "list", "a,b", PutOptions{})
		}
		return append(cur.Value, ",c"...), PutOptions{}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(seen) != "[a a,b]" {
		t.Errorf("the update function saw %q, want [a a,b]", seen)
	}
	for _, ns := range []*Namespace{ours, theirs} {
		if v, err := ns.Get("list"); err != nil || string(v) != "a,b,c" {
			t.Errorf("after the update: %q %v, want a,b,c", v, err)
		}
	}
	if e, _ := theirs.GetWithMetadata("list"); e.Version != res.Version {
		t.Errorf("version %s, Update said %s", e.Version, res.Version)
	}
}

func TestUpdateCases(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		setup   func(ns *Namespace, c *testClock)
		fn      UpdateFunc
		wantCur string // "<nil>" when fn should get no entry
		wantErr error
		want    string // value afterwards; "<none>" = key absent
	}{
		{"absent key", nil, increment, "<nil>", nil, "1"},
		{"existing key", func(ns *Namespace, _ *testClock) { ns.Put("k", []byte("41"), PutOptions{}) }, increment, "41", nil, "42"},
		{"expired key is absent", func(ns *Namespace, c *testClock) {
			ns.Put("k", []byte("41"), PutOptions{ExpirationTTL: 60})
			c.t = c.t.Add(61e9)
		}, increment, "<nil>", nil, "1"},
		{"fn error writes nothing", func(ns *Namespace, _ *testClock) { ns.Put("k", []byte("7"), PutOptions{}) },
			func(*Entry) ([]byte, PutOptions, error) { return nil, PutOptions{}, boom }, "", boom, "7"},
		{"limit error writes nothing", nil,
			func(*Entry) ([]byte, PutOptions, error) { return []byte("v"), PutOptions{ExpirationTTL: 5}, nil }, "", &LimitError{}, "<none>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, clock := newTestNS(t)
			if tc.setup != nil {
				tc.setup(ns, clock)
			}
			var got []string
			_, err := ns.Update("k", func(cur *Entry) ([]byte, PutOptions, error) {
				if cur == nil {
					got = append(got, "<nil>")
				} else {
					got = append(got, string(cur.Value))
				}
				return tc.fn(cur)
			})
			var le *LimitError
			switch {
			case tc.wantErr == nil && err != nil, tc.wantErr == boom && !errors.Is(err, boom):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			case tc.wantErr != nil && tc.wantErr != boom && !errors.As(err, &le):
				t.Fatalf("err = %v, want a LimitError", err)
			}
			if tc.wantCur != "" && fmt.Sprint(got) != "["+tc.wantCur+"]" {
				t.Errorf("fn saw %q, want [%s]", got, tc.wantCur)
			}
			v, err := ns.Get("k")
			if tc.want == "<none>" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("key holds %q %v, want none", v, err)
				}
			} else if err != nil || string(v) != tc.want {
				t.Errorf("key holds %q %v, want %q", v, err, tc.want)
			}
			if n := countRows(t, ns); tc.want != "<none>" && n != 1 {
				t.Errorf("%d rows, want 1", n)
			}
		})
	}
}

// TestUpdateAcrossConnectionsLosesNothing: counters incremented in parallel
// through three independent stores on one directory end at the exact total.
func TestUpdateAcrossConnectionsLosesNothing(t *testing.T) {
	const stores, workers, each = 3, 4, 25
	root := t.TempDir()
	var nss []*Namespace
	for range stores {
		nss = append(nss, openAt(t, root, "counters"))
	}
	var wg sync.WaitGroup
	for i := range stores * workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := nss[i%stores].Update("n", increment); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	v, err := nss[0].Get("n")
	if want := strconv.Itoa(stores * workers * each); err != nil || string(v) != want {
		t.Fatalf("counter = %q %v, want %s", v, err, want)
	}
	if orphans := orphanBlobs(t, nss[0]); len(orphans) != 0 {
		t.Errorf("blobs left behind by retried updates: %v", orphans)
	}
}
