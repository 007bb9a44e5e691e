package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// seqWriter writes prefix:log:0, prefix:counter=0, prefix:log:1, prefix:counter=1,
// ... until stop: at any point in time, counter = c means log:0..c exist and
// log:c+2 does not. counter is rewritten every step, so its old blobs keep
// being removed under a snapshot's feet.
func seqWriter(t *testing.T, ns *Namespace, prefix string, stop *atomic.Bool, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if _, err := ns.Put(fmt.Sprintf("%s:log:%06d", prefix, i), []byte(fmt.Sprintf("entry %d of %s", i, prefix)), PutOptions{}); err != nil {
				t.Errorf("writer %s: %v", prefix, err)
				return
			}
			if _, err := ns.Put(prefix+":counter", []byte(strconv.Itoa(i)), PutOptions{Metadata: []byte(`{"i":` + strconv.Itoa(i) + `}`)}); err != nil {
				t.Errorf("writer %s: %v", prefix, err)
				return
			}
		}
	}()
}

// checkSequence checks a restored copy against seqWriter's invariant.
func checkSequence(t *testing.T, ns *Namespace, prefix string) int {
	t.Helper()
	v, err := ns.Get(prefix + ":counter")
	if errors.Is(err, ErrNotFound) {
		return -1
	}
	if err != nil {
		t.Fatalf("%s:counter: %v", prefix, err)
	}
	c, _ := strconv.Atoi(string(v))
	names, _ := listNames(t, ns, ListOptions{Prefix: prefix + ":log:"})
	if len(names) != c+1 && len(names) != c+2 {
		t.Fatalf("counter %d but %d log entries: not a state that existed", c, len(names))
	}
	for i, name := range names {
		got, err := ns.Get(name)
		if err != nil || string(got) != fmt.Sprintf("entry %d of %s", i, prefix) {
			t.Fatalf("%s = %q, %v", name, got, err)
		}
	}
	return c
}

// Snapshots taken while two writers run (one in this process, one through its own
// connection as another process would) are each a state that existed, with every
// value readable, even after the live keys moved on and their old blobs were removed.
func TestSnapshotConsistentWhileWritesContinue(t *testing.T) {
	root, snaps := t.TempDir(), t.TempDir()
	const id = "wine-answers-ns"
	ns := openAt(t, root, id)
	other := openAt(t, root, id)
	var stop atomic.Bool
	var wg sync.WaitGroup
	seqWriter(t, ns, "here", &stop, &wg)
	seqWriter(t, other, "there", &stop, &wg)
	const n = 12
	infos := make([]SnapshotInfo, n)
	for i := range n {
		var err error
		if infos[i], err = ns.SaveSnapshot(filepath.Join(snaps, strconv.Itoa(i))); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("snapshot %d: %v", i, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	last := map[string]int{"here": -1, "there": -1}
	for i := range n {
		dir := filepath.Join(snaps, strconv.Itoa(i))
		info, err := ReadSnapshotInfo(dir)
		if err != nil || info != infos[i] || info.Namespace != id {
			t.Fatalf("snapshot %d manifest %+v, %v; SaveSnapshot said %+v", i, info, err, infos[i])
		}
		copyNS := openAt(t, t.TempDir(), id)
		if err := copyNS.RestoreSnapshot(dir); err != nil {
			t.Fatalf("restoring snapshot %d: %v", i, err)
		}
		if c := countRows(t, copyNS); c != info.Keys {
			t.Fatalf("snapshot %d: %d rows restored, manifest says %d", i, c, info.Keys)
		}
		for _, p := range []string{"here", "there"} {
			c := checkSequence(t, copyNS, p)
			if c < last[p] {
				t.Fatalf("snapshot %d has %s:counter %d, an earlier one had %d", i, p, c, last[p])
			}
			last[p] = c
		}
	}
	if last["here"] < 1 || last["there"] < 1 {
		t.Fatalf("writers barely ran during the snapshots (%v): the test proved nothing", last)
	}
	if entries, _ := os.ReadDir(snaps); len(entries) != n {
		t.Fatalf("%d entries in the snapshots folder, want %d (no temporary folders left)", len(entries), n)
	}
}

func TestSnapshotRefusesExistingFolder(t *testing.T) {
	ns, _ := newTestNS(t)
	dir := t.TempDir()
	if _, err := ns.SaveSnapshot(dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("SaveSnapshot over an existing folder: %v", err)
	}
}

// A restore is one transaction: a reader in another process lists either every
// key of one snapshot or every key of the other, never a mix, and never finds a
// listed value's blob missing.
func TestRestoreIsAtomicForOtherProcesses(t *testing.T) {
	root, snaps := t.TempDir(), t.TempDir()
	const id = "ns"
	ns := openAt(t, root, id)
	reader := openAt(t, root, id)
	for gen := 1; gen <= 2; gen++ {
		for k := range 40 {
			if gen == 2 {
				ns.Delete(fmt.Sprintf("g1:%02d", k))
			}
			mustPut(t, ns, fmt.Sprintf("g%d:%02d", gen, k), fmt.Sprint(gen), PutOptions{})
		}
		if _, err := ns.SaveSnapshot(filepath.Join(snaps, fmt.Sprint(gen))); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var seen [3]atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			names, _ := listNames(t, reader, ListOptions{})
			gens := map[byte]int{}
			for _, name := range names {
				gens[name[1]]++
			}
			if len(names) != 40 || len(gens) != 1 {
				t.Errorf("a reader listed %d keys across generations %v: a half-restored state", len(names), gens)
				return
			}
			seen[names[0][1]-'0'].Add(1)
			if v, err := reader.Get(names[7]); err != nil && !errors.Is(err, ErrNotFound) {
				t.Errorf("reading %s: %v", names[7], err)
				return
			} else if err == nil && string(v) != string(names[7][1]) {
				t.Errorf("%s = %q", names[7], v)
				return
			}
		}
	}()
	for i := 0; i < 60 && !t.Failed(); i++ {
		if err := ns.RestoreSnapshot(filepath.Join(snaps, fmt.Sprint(1+i%2))); err != nil {
			t.Fatal(err)
		}
		// This process sees the restored state at once, without waiting.
		if names, _ := listNames(t, ns, ListOptions{}); len(names) != 40 || names[0][1] != byte('0'+1+i%2) {
			t.Fatalf("after restore %d this process lists %v", i, names[:min(3, len(names))])
		}
	}
	stop.Store(true)
	wg.Wait()
	if seen[1].Load() == 0 || seen[2].Load() == 0 {
		t.Logf("reader saw generation 1 %d times, 2 %d times", seen[1].Load(), seen[2].Load())
	}
	// Every replaced value's blob is gone: restores leave no garbage behind.
	ents, _ := os.ReadDir(ns.blobDir)
	if len(ents) != 40 {
		t.Fatalf("%d blob files after the restores, want 40 (one per key)", len(ents))
	}
}

// A restore brings back metadata and expirations as they were, and another
// process's index notices it through data_version.
func TestRestoreKeepsMetadataAndExpiration(t *testing.T) {
	ns, clock := newTestNS(t)
	exp := clock.now().Unix() + 3600
	mustPut(t, ns, "meta", "m", PutOptions{Metadata: []byte(`{"a": [1, "x"]}`), Expiration: exp})
	mustPut(t, ns, "bin", string([]byte{0, 255, 1}), PutOptions{})
	dir := filepath.Join(t.TempDir(), "s")
	if _, err := ns.SaveSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	mustPut(t, ns, "meta", "changed", PutOptions{})
	ns.Delete("bin")
	mustPut(t, ns, "extra", "x", PutOptions{})
	if err := ns.RestoreSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	e, err := ns.GetWithMetadata("meta")
	if err != nil || string(e.Value) != "m" || string(e.Metadata) != `{"a":[1,"x"]}` || e.Expiration != exp {
		t.Fatalf("meta after restore: %+v, %v", e, err)
	}
	if v, err := ns.Get("bin"); err != nil || string(v) != string([]byte{0, 255, 1}) {
		t.Fatalf("bin after restore: %q, %v", v, err)
	}
	if _, err := ns.Get("extra"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("extra survived the restore: %v", err)
	}
}

func TestRestoreRefusesBadSnapshots(t *testing.T) {
	ns, _ := newTestNS(t)
	mustPut(t, ns, "k", "v", PutOptions{})
	notSQLite := t.TempDir()
	os.WriteFile(filepath.Join(notSQLite, snapshotDB), []byte("hello, not a database"), 0o644)
	for name, dir := range map[string]string{"missing": filepath.Join(t.TempDir(), "nope"), "not sqlite": notSQLite} {
		if err := ns.RestoreSnapshot(dir); err == nil {
			t.Errorf("%s: restore succeeded", name)
		}
		if v, err := ns.Get("k"); err != nil || string(v) != "v" {
			t.Errorf("%s: the failed restore changed the namespace: %q %v", name, v, err)
		}
	}
	// A snapshot whose blob is gone is refused before anything changes.
	dir := filepath.Join(t.TempDir(), "s")
	info, err := ns.SaveSnapshot(dir)
	if err != nil || info.Keys != 1 {
		t.Fatal(info, err)
	}
	blobs, _ := os.ReadDir(filepath.Join(dir, snapshotBlobs))
	os.Remove(filepath.Join(dir, snapshotBlobs, blobs[0].Name()))
	mustPut(t, ns, "k", "v2", PutOptions{})
	if err := ns.RestoreSnapshot(dir); err == nil || !strings.Contains(err.Error(), `key "k"`) {
		t.Fatalf("restore of a snapshot with a missing value: %v", err)
	}
	if v, _ := ns.Get("k"); string(v) != "v2" {
		t.Fatalf("the failed restore changed k to %q", v)
	}
}
