package emulator

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// orphanBlobs lists the blob files no row of ns's database references.
func orphanBlobs(t *testing.T, ns *Namespace) []string {
	t.Helper()
	live, err := ns.referencedBlobsNow()
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(ns.blobDir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if !live[e.Name()] {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// referencedBlobsNow is referencedBlobs taking the namespace's lock.
func (n *Namespace) referencedBlobsNow() (map[string]bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.referencedBlobs()
}

// TestSweepRemovesOnlyOldOrphans: opening a namespace removes unreferenced blob
// files past the grace period and nothing else; real Miniflare then still reads
// every key.
func TestSweepRemovesOnlyOldOrphans(t *testing.T) {
	root := t.TempDir()
	const id = "sweep-ns"
	s, _ := Open(root)
	ns, err := s.Namespace(id)
	if err != nil {
		t.Fatal(err)
	}
	cases := interopCases()[:12]
	for _, c := range cases {
		if _, err := ns.Put(c.key, c.value, c.opts()); err != nil {
			t.Fatal(err)
		}
	}
	// A referenced blob with an old id and mtime, as a row written long ago has.
	live := newBlobID(time.Now().Add(-time.Hour))
	if err := os.WriteFile(filepath.Join(ns.blobDir, live), cases[0].value, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := rawDB(t, ns).Exec("UPDATE _mf_entries SET blob_id = ? WHERE key = ?", live, cases[0].key); err != nil {
		t.Fatal(err)
	}
	s.Close()

	now := time.Now()
	past := now.Add(-orphanGrace - time.Minute)
	dir := BlobDir(root, id)
	file := func(name string, mtime time.Time, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return name
	}
	old := func(p string) string {
		if err := os.Chtimes(filepath.Join(dir, p), past, past); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		file string
		kept bool
	}{
		{"old orphan", file(newBlobID(past), past, []byte("lost")), false},
		{"old empty orphan (killed mid-write)", file(newBlobID(past), past, nil), false},
		{"young orphan (a writer about to commit)", file(newBlobID(now), now, []byte("soon")), true},
		{"old id but fresh file", file(newBlobID(past), now, []byte("x")), true},
		{"fresh id but old file", file(newBlobID(now), past, []byte("x")), true},
		{"referenced old blob", old(live), true},
		{"not a blob id", file("notes.txt", past, []byte("mine")), true},
		{"upper-case hex is not ours", file(string(bytes.ToUpper([]byte(newBlobID(past)))), past, []byte("x")), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := Open(root)
			defer s.Close()
			if _, err := s.Namespace(id); err != nil {
				t.Fatal(err)
			}
			_, err := os.Stat(filepath.Join(dir, tc.file))
			if kept := err == nil; kept != tc.kept {
				t.Errorf("%s: kept = %v, want %v", tc.file, kept, tc.kept)
			}
		})
	}

	mf := startMiniflare(t, root, id)
	for _, c := range cases {
		if g := mf.get(c.key); !g.Found || !bytes.Equal(g.Base64, c.value) || !sameJSON(g.Metadata, c.metadata) {
			t.Fatalf("miniflare get %s after the sweep: %+v, want %q %s", c, g, c.value, c.metadata)
		}
	}
}
