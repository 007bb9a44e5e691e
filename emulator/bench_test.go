package emulator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

var (
	benchOnce  sync.Once
	benchSpace *Namespace
	benchDir   string
)

func TestMain(m *testing.M) {
	if root := os.Getenv(crashChildEnv); root != "" {
		os.Exit(crashChild(root)) // a crash-storm writer, not a test run
	}
	code := m.Run()
	if benchDir != "" {
		benchSpace.store.Close()
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchNS is a namespace of 10,000 keys (100-byte values), built once per test
// process and shared by the benchmarks (puts only rewrite the same keys).
func benchNS(b *testing.B) *Namespace {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "emulator-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		benchSpace = buildBenchNS(b, dir)
	})
	if benchSpace == nil {
		b.Fatal("benchmark namespace setup failed")
	}
	return benchSpace
}

func buildBenchNS(b *testing.B, dir string) *Namespace {
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	ns, err := s.Namespace("bench")
	if err != nil {
		b.Fatal(err)
	}
	// Bulk-load through one transaction (the setup is not what is measured), then
	// reopen so the index comes from the file as in real use.
	ctx := context.Background()
	ns.mu.Lock()
	ns.conn.ExecContext(ctx, "BEGIN")
	value := make([]byte, 100)
	for i := 0; i < 10_000; i++ {
		id := newBlobID(s.now())
		if err := ns.writeBlobNoSync(id, value); err != nil {
			b.Fatal(err)
		}
		ns.conn.ExecContext(ctx, "INSERT INTO _mf_entries (key, blob_id) VALUES (?, ?)", fmt.Sprintf("key:%05d", i), id)
	}
	ns.conn.ExecContext(ctx, "COMMIT")
	ns.dataVersion = -1
	ns.invalidateLocked()
	ns.mu.Unlock()
	if err := ns.refresh(); err != nil {
		b.Fatal(err)
	}
	return ns
}

func BenchmarkGet(b *testing.B) {
	ns := benchNS(b)
	ns.Get("key:04242") // first read fills the value cache
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ns.Get("key:04242"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetParallel(b *testing.B) {
	ns := benchNS(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := ns.Get(fmt.Sprintf("key:%05d", i%10_000)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkDataVersionCheck is the cost a read pays when some connection
// committed since the last check: one PRAGMA data_version on the namespace's
// connection, under mu.
func BenchmarkDataVersionCheck(b *testing.B) {
	ns := benchNS(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns.probe.forget()
		if err := ns.refresh(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFreshnessCheck is what every read pays when no connection committed
// since the last check: the WAL-index header compared in the shared mapping of
// the -shm file (walProbe), no system call. BenchmarkHeaderPread is the check
// the previous design made (one pread of the header, once per 1 ms window), and
// BenchmarkDataVersionCheck the one a read makes after a commit. Compare them in
// one run:
//
//	go test ./emulator -run '^$' -bench 'DataVersionCheck|FreshnessCheck|HeaderPread' -benchmem
func BenchmarkFreshnessCheck(b *testing.B) {
	ns := benchNS(b)
	if err := ns.refresh(); err != nil { // the header is remembered from here
		b.Fatal(err)
	}
	if !ns.probe.unchanged() {
		b.Fatal("the WAL-index header is not mapped: the benchmark would measure the SQL check")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ns.refresh(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeaderPread is the previous design's check: one pread of the
// WAL-index header, compared with the one remembered.
func BenchmarkHeaderPread(b *testing.B) {
	ns := benchNS(b)
	f, err := os.Open(ns.dbPath + "-shm")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var last, h [walIndexHeaderSize]byte
	f.ReadAt(last[:], 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, err := f.ReadAt(h[:], 0); err != nil || n != len(h) || h != last {
			b.Fatal("header changed or unreadable", err)
		}
	}
}

// BenchmarkPut is a durable put: blob fsynced, then a committed WAL transaction
// (fsynced before it returns), on a 10,000-key namespace.
func BenchmarkPut(b *testing.B) {
	ns := benchNS(b)
	value := make([]byte, 100)
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := ns.Put(fmt.Sprintf("key:%05d", i%10_000), value, PutOptions{}); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}

func BenchmarkList1000(b *testing.B) {
	ns := benchNS(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := ns.List(ListOptions{Prefix: "key:0"})
		if err != nil || len(res.Keys) != 1000 {
			b.Fatal(err, len(res.Keys))
		}
	}
}

func BenchmarkListAll10000(b *testing.B) {
	ns := benchNS(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cursor, n := "", 0
		for {
			res, err := ns.List(ListOptions{Cursor: cursor})
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Keys)
			if res.ListComplete {
				break
			}
			cursor = res.Cursor
		}
		if n != 10_000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkReload is what a foreign commit costs the next read: rebuilding the
// index of 10,000 rows from the database.
func BenchmarkReload(b *testing.B) {
	ns := benchNS(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns.mu.Lock()
		err := ns.reloadLocked()
		ns.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCheckingEveryRead is Get if every read asked SQLite for
// data_version: the alternative the WAL-index probe spares.
func BenchmarkGetCheckingEveryRead(b *testing.B) {
	ns := benchNS(b)
	ns.Get("key:04242")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns.probe.forget()
		if _, err := ns.Get("key:04242"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetFromSQLite is a get without the in-memory index: the row from
// SQLite, the value from its blob file (what Miniflare does per read).
func BenchmarkGetFromSQLite(b *testing.B) {
	ns := benchNS(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns.mu.Lock()
		var blob string
		err := ns.conn.QueryRowContext(ctx, "SELECT blob_id FROM _mf_entries WHERE key = ?", "key:04242").Scan(&blob)
		ns.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := os.ReadFile(ns.blobDir + "/" + blob); err != nil {
			b.Fatal(err)
		}
	}
}

// writeBlobNoSync writes a blob without fsync (benchmark setup only).
func (n *Namespace) writeBlobNoSync(id string, value []byte) error {
	if err := os.MkdirAll(n.blobDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(n.blobDir, id), value, 0o644)
}
