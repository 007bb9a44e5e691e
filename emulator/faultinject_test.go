package emulator

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestFailureAtEachStepLeavesIndexMatchingFile injects a failure (an error from
// a disk that cannot be made to fail for real on demand) at every step of every
// write path: put, update, delete, get's and list's lazy expiry, and restore
// (which is what a reset runs). Whatever step failed, the operation reports the
// error, the index afterwards holds exactly the file's rows, the next read
// returns what a fresh process reads from the file, and no row names a blob
// file that is gone.
func TestFailureAtEachStepLeavesIndexMatchingFile(t *testing.T) {
	t.Cleanup(func() { testFault = nil })
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ops := []struct {
		name  string
		setup func(t *testing.T, ns *Namespace) // before the failure
		run   func(ns *Namespace) error
		keys  []string // what the reads compare afterwards
	}{
		{"put", nil, func(ns *Namespace) error {
			_, err := ns.Put("k", []byte("new"), PutOptions{})
			return err
		}, []string{"k"}},
		{"put of a new key", nil, func(ns *Namespace) error {
			_, err := ns.Put("fresh", []byte("new"), PutOptions{})
			return err
		}, []string{"fresh"}},
		{"update", nil, func(ns *Namespace) error {
			_, err := ns.Update("k", func(cur *Entry) ([]byte, PutOptions, error) {
				return append(cur.Value, '+'), PutOptions{}, nil
			})
			return err
		}, []string{"k"}},
		{"delete", nil, func(ns *Namespace) error { return ns.Delete("k") }, []string{"k"}},
		{"get's expiry", func(t *testing.T, ns *Namespace) {
			mustPut(t, ns, "e", "expiring", PutOptions{Expiration: clock.Add(time.Minute).Unix()})
			ns.store.now = func() time.Time { return clock.Add(time.Hour) }
		}, func(ns *Namespace) error {
			_, err := ns.Get("e")
			return err
		}, []string{"e"}},
		{"list's expiry", func(t *testing.T, ns *Namespace) {
			mustPut(t, ns, "e", "expiring", PutOptions{Expiration: clock.Add(time.Minute).Unix()})
			ns.store.now = func() time.Time { return clock.Add(time.Hour) }
		}, func(ns *Namespace) error {
			_, err := ns.List(ListOptions{})
			return err
		}, []string{"e"}},
		{"restore", func(t *testing.T, ns *Namespace) {
			if _, err := ns.SaveSnapshot(filepath.Join(t.TempDir(), "snap")); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{"k", "other"}},
	}
	steps := []Step{StepBlobWrite, StepBlobSync, StepBlobDirSync, StepCommit, StepCommitted, StepWALSync}
	tried := 0
	for _, op := range ops {
		for _, step := range steps {
			t.Run(op.name+"/"+string(step), func(t *testing.T) {
				root := t.TempDir()
				s, err := Open(root)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.now = func() time.Time { return clock }
				ns, err := s.Namespace("faults")
				if err != nil {
					t.Fatal(err)
				}
				mustPut(t, ns, "k", "old", PutOptions{})
				snap := filepath.Join(t.TempDir(), "snap")
				run := op.run
				if op.name == "restore" {
					if _, err := ns.SaveSnapshot(snap); err != nil {
						t.Fatal(err)
					}
					mustPut(t, ns, "k", "after the snapshot", PutOptions{})
					mustPut(t, ns, "other", "after the snapshot", PutOptions{})
					run = func(ns *Namespace) error { return ns.RestoreSnapshot(snap) }
				} else if op.setup != nil {
					op.setup(t, ns)
				}
				ns.Get("k") // the index is warm, with a cached value
				fired := false
				testFault = func(s Step) bool {
					if s == step && !fired {
						fired = true
						return true
					}
					return false
				}
				err = run(ns)
				testFault = nil
				if !fired {
					t.Skipf("%s has no %s step", op.name, step)
				}
				tried++
				var fe *FaultError
				if !errors.As(err, &fe) {
					t.Fatalf("%s with a failure at the %s step returned %v, want the injected failure", op.name, step, err)
				}
				checkIndexMatchesFile(t, ns, root, op.keys)
			})
		}
	}
	if tried < 20 {
		t.Errorf("only %d operation/step pairs exercised, want at least 20", tried)
	}
}

// checkIndexMatchesFile: after the next read's check, the index holds exactly
// the database's rows, every row's blob file exists, and ns reads what a fresh
// process reads from the file.
func checkIndexMatchesFile(t *testing.T, ns *Namespace, root string, keys []string) {
	t.Helper()
	if err := ns.refresh(); err != nil {
		t.Fatalf("the read after the failure: %v", err)
	}
	fileRows := map[string]string{}
	rows, err := rawDB(t, ns).Query("SELECT key, blob_id FROM _mf_entries")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, b string
		rows.Scan(&k, &b)
		fileRows[k] = b
		if _, err := os.Stat(filepath.Join(ns.blobDir, b)); err != nil {
			t.Errorf("row %q names blob %s, which is gone: %v", k, b, err)
		}
	}
	rows.Close()
	indexRows := map[string]string{}
	it, err := ns.index.Load().Txn(false).Get(entriesTable, "id")
	if err != nil {
		t.Fatal(err)
	}
	for raw := it.Next(); raw != nil; raw = it.Next() {
		indexRows[raw.(*row).Key] = raw.(*row).BlobID
	}
	if !mapsEqual(fileRows, indexRows) {
		t.Errorf("index %v disagrees with the file %v", indexRows, fileRows)
	}
	fresh, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	fresh.now = ns.store.now
	other, err := fresh.Namespace("faults")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		got, gerr := ns.Get(k)
		want, werr := other.Get(k)
		if string(got) != string(want) || !errors.Is(gerr, ErrNotFound) != !errors.Is(werr, ErrNotFound) || (gerr == nil) != (werr == nil) {
			t.Errorf("key %q: this process reads %q (%v), a fresh one %q (%v)", k, got, gerr, want, werr)
		}
	}
	a, _ := listNames(t, ns, ListOptions{})
	b, _ := listNames(t, other, ListOptions{})
	if !slices.Equal(a, b) {
		t.Errorf("list: this process %v, a fresh one %v", a, b)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
