package emulator

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestReopenKeepsData(t *testing.T) {
	root := t.TempDir()
	s, _ := Open(root)
	ns, err := s.Namespace("my ns:1/x")
	if err != nil {
		t.Fatal(err)
	}
	res := mustPut(t, ns, "k", "v", PutOptions{})
	if again, _ := s.Namespace("my ns:1/x"); again != ns {
		t.Fatal("same id gave a different *Namespace")
	}
	ns.Get("k") // a read just before Close
	s.Close()
	if _, err := ns.Get("k"); err == nil {
		t.Fatal("closed namespace still answers")
	}
	if _, err := os.Stat(filepath.Join(root, "v3", "kv", "my ns_1_x", "blobs", res.Version)); err != nil {
		t.Fatalf("blob not at Miniflare's path: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "v3", "kv", "miniflare-KVNamespaceObject", DatabaseName("my ns:1/x")+".sqlite")); err != nil {
		t.Fatalf("database not at Miniflare's path: %v", err)
	}
	s2, _ := Open(root)
	defer s2.Close()
	ns2, err := s2.Namespace("my ns:1/x")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ns2.Get("k"); err != nil || string(v) != "v" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
}

func TestNewDatabaseIsMiniflares(t *testing.T) {
	ns, _ := newTestNS(t)
	var mode, ddl string
	ns.conn.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode)
	ns.conn.QueryRowContext(t.Context(), "SELECT sql FROM sqlite_master WHERE name = '_mf_entries'").Scan(&ddl)
	if mode != "wal" || !strings.Contains(ddl, "key TEXT PRIMARY KEY") || !strings.Contains(ddl, "blob_id TEXT NOT NULL") {
		t.Fatalf("journal_mode %q, table %q", mode, ddl)
	}
	var idx int
	ns.conn.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_master WHERE name = '_mf_entries_expiration_idx'").Scan(&idx)
	if idx != 1 {
		t.Fatal("expiration index missing")
	}
}

// rawDB opens the namespace's database on a separate connection: another writer,
// as a running wrangler dev would be.
func rawDB(t *testing.T, ns *Namespace) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", ns.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestOtherWritersAreSeen(t *testing.T) {
	ns, _ := newTestNS(t)
	mustPut(t, ns, "ours", "1", PutOptions{})
	db := rawDB(t, ns)
	id := newBlobID(time.Now())
	os.WriteFile(filepath.Join(ns.blobDir, id), []byte("theirs"), 0o644)
	if _, err := db.Exec("INSERT INTO _mf_entries (key, blob_id) VALUES ('theirs', ?)", id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other connection's row", func() bool {
		v, err := ns.Get("theirs")
		return err == nil && string(v) == "theirs"
	})
	if _, err := db.Exec("DELETE FROM _mf_entries WHERE key = 'ours'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the other connection's delete", func() bool {
		_, err := ns.Get("ours")
		return errors.Is(err, ErrNotFound)
	})
	// Our writes are in the file at once for the other side.
	res := mustPut(t, ns, "mine", "2", PutOptions{})
	var blob string
	if err := db.QueryRow("SELECT blob_id FROM _mf_entries WHERE key = 'mine'").Scan(&blob); err != nil || blob != res.Version {
		t.Fatalf("other connection sees %q %v, want %q", blob, err, res.Version)
	}
	// Previous is read inside the write transaction, so it reports a foreign write.
	id2 := newBlobID(time.Now())
	os.WriteFile(filepath.Join(ns.blobDir, id2), []byte("x"), 0o644)
	db.Exec("UPDATE _mf_entries SET blob_id = ? WHERE key = 'mine'", id2)
	if r := mustPut(t, ns, "mine", "3", PutOptions{}); r.Previous != id2 {
		t.Fatalf("Previous = %q, want the foreign %q", r.Previous, id2)
	}
}

func TestBadRowsFailOnlyThemselves(t *testing.T) {
	root := t.TempDir()
	writer, _ := Open(root)
	w, _ := writer.Namespace("test-ns")
	mustPut(t, w, "good", "fine", PutOptions{})
	gone := mustPut(t, w, "gone", "x", PutOptions{})
	writer.Close()
	os.Remove(filepath.Join(w.blobDir, gone.Version))
	s, _ := Open(root) // a fresh process: no value cached yet
	defer s.Close()
	ns, _ := s.Namespace("test-ns")
	// A sentinel outside blobs/ that a traversal would reach.
	secret := filepath.Join(filepath.Dir(ns.blobDir), "secret")
	os.WriteFile(secret, []byte("secret"), 0o644)
	db := rawDB(t, ns)
	if _, err := db.Exec(`INSERT INTO _mf_entries (key, blob_id) VALUES ('evil', '../secret'), ('upper', ?)`, strings.Repeat("A", 80)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO _mf_entries (key, blob_id, metadata) VALUES ('badmeta', ?, '{oops')`, newBlobID(time.Now())); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the foreign rows", func() bool { _, err := ns.Get("evil"); return err != nil && !errors.Is(err, ErrNotFound) })
	for key, want := range map[string]string{
		"evil":    "is not an 80-hex-digit Miniflare blob id",
		"upper":   "is not an 80-hex-digit Miniflare blob id",
		"gone":    "blob file",
		"badmeta": "metadata",
	} {
		_, err := ns.Get(key)
		if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), key) {
			t.Errorf("get %q: %v, want an error naming it and %q", key, err, want)
		}
	}
	if v, err := ns.Get("good"); err != nil || string(v) != "fine" {
		t.Fatalf("a good key failed beside bad ones: %q %v", v, err)
	}
	// Overwriting or deleting a row with a bad blob id never touches that "path".
	mustPut(t, ns, "evil", "now fine", PutOptions{})
	ns.Delete("evil")
	if b, err := os.ReadFile(secret); err != nil || string(b) != "secret" {
		t.Fatalf("file outside blobs/ was touched: %q %v", b, err)
	}
}

func TestRefusesForeignFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    string
	}{
		{"not sqlite", func(t *testing.T, path string) {
			os.WriteFile(path, []byte("this is a text file, not a database at all"), 0o644)
		}, "is not an SQLite database"},
		{"no _mf_entries", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE other (x)"); err != nil {
				t.Fatal(err)
			}
		}, "has no _mf_entries table"},
		{"a directory", func(t *testing.T, path string) { os.Mkdir(path, 0o755) }, "is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := DatabasePath(root, "ns")
			os.MkdirAll(filepath.Dir(path), 0o755)
			tc.prepare(t, path)
			before, _ := os.ReadFile(path)
			s, _ := Open(root)
			defer s.Close()
			_, err := s.Namespace("ns")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and %q", err, path, tc.want)
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Fatal("the refused file was modified")
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Fatal("empty root accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Open(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("file as root: %v", err)
	}
	s, _ := Open(t.TempDir())
	if _, err := s.Namespace(""); err == nil {
		t.Fatal("empty namespace id accepted")
	}
}

func TestDatabaseFilesSkipsMetadata(t *testing.T) {
	s, _ := newTestStore(t)
	if _, err := s.Namespace("one"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(kvDir(s.root), durableObjectClass)
	os.WriteFile(filepath.Join(dir, "metadata.sqlite"), nil, 0o644)
	got, err := s.DatabaseFiles()
	if err != nil || len(got) != 1 || got[0] != DatabaseName("one") {
		t.Fatalf("DatabaseFiles = %q %v", got, err)
	}
}

// TestReadsWALOnlyState copies a database whose rows sit only in the -wal file (as
// workerd leaves it when killed) and reads it.
func TestReadsWALOnlyState(t *testing.T) {
	src := t.TempDir()
	path := DatabasePath(src, "walns")
	os.MkdirAll(filepath.Dir(path), 0o755)
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	id := newBlobID(time.Now())
	if _, err := db.Exec("INSERT INTO _mf_entries (key, blob_id) VALUES ('k', ?)", id); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	dpath := DatabasePath(dst, "walns")
	os.MkdirAll(filepath.Dir(dpath), 0o755)
	main, _ := os.ReadFile(path)
	wal, _ := os.ReadFile(path + "-wal")
	if len(wal) == 0 {
		t.Fatal("setup: nothing in the WAL")
	}
	os.WriteFile(dpath, main, 0o644)
	os.WriteFile(dpath+"-wal", wal, 0o644)
	os.MkdirAll(BlobDir(dst, "walns"), 0o755)
	os.WriteFile(filepath.Join(BlobDir(dst, "walns"), id), []byte("from the wal"), 0o644)
	s, _ := Open(dst)
	defer s.Close()
	ns, err := s.Namespace("walns")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ns.Get("k"); err != nil || string(v) != "from the wal" {
		t.Fatalf("WAL-only row: %q %v", v, err)
	}
}

// TestStaleRowAfterForeignOverwrite: should the index still point at a blob
// another process just replaced and removed (here: the probe is made to believe
// nothing changed), the read must recheck the database and return the new value,
// not fail.
func TestStaleRowAfterForeignOverwrite(t *testing.T) {
	root := t.TempDir()
	w, _ := Open(root)
	wn, _ := w.Namespace("stale")
	old := mustPut(t, wn, "k", "old", PutOptions{})
	w.Close()
	s, _ := Open(root)
	defer s.Close()
	ns, err := s.Namespace("stale") // loaded from the file: nothing cached
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, ns)
	id := newBlobID(time.Now())
	os.WriteFile(filepath.Join(ns.blobDir, id), []byte("new"), 0o644)
	if _, err := db.Exec("UPDATE _mf_entries SET blob_id = ? WHERE key = 'k'", id); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ns.blobDir, old.Version))
	h, ok := ns.probe.current() // "nothing changed": the index keeps the old row
	ns.probe.remember(h, ok)
	if v, err := ns.Get("k"); err != nil || string(v) != "new" {
		t.Fatalf("got %q %v, want the new value", v, err)
	}
}

// TestOddRootPath: the persist root may hold characters that mean something in a
// SQLite URI; the database must land at the literal path.
func TestOddRootPath(t *testing.T) {
	name := "we ird?#%20&mode=ro dir"
	if runtime.GOOS == "windows" {
		name = "we ird#%20&mode=ro dir" // '?' cannot be in a Windows file name
	}
	root := filepath.Join(t.TempDir(), name)
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, err := s.Namespace("ns")
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, ns, "k", "v", PutOptions{})
	if _, err := os.Stat(DatabasePath(root, "ns")); err != nil {
		t.Fatalf("database not at the literal path: %v", err)
	}
}
