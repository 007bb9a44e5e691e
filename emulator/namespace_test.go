package emulator

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"
)

func mustPut(t *testing.T, ns *Namespace, key, value string, o PutOptions) PutResult {
	t.Helper()
	res, err := ns.Put(key, []byte(value), o)
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return res
}

func listNames(t *testing.T, ns *Namespace, o ListOptions) ([]string, ListResult) {
	t.Helper()
	res, err := ns.List(o)
	if err != nil {
		t.Fatalf("list %+v: %v", o, err)
	}
	names := []string{}
	for _, k := range res.Keys {
		names = append(names, k.Name)
	}
	return names, res
}

func TestListOrderIsUTF8ByteOrder(t *testing.T) {
	ns, _ := newTestNS(t)
	// In UTF-16 order "😀" (D83D...) sorts before "\uFFFF"; in UTF-8 byte order after.
	keys := []string{"b", "a", "B", "😀", "\uffff", "é", "a\x00b", "a b", "A", "_", "%"}
	for _, k := range keys {
		mustPut(t, ns, k, "v:"+k, PutOptions{})
	}
	want := append([]string(nil), keys...)
	sort.Strings(want) // Go compares strings bytewise: SQLite's BINARY collation
	got, res := listNames(t, ns, ListOptions{})
	if !reflect.DeepEqual(got, want) || !res.ListComplete || res.Cursor != "" {
		t.Fatalf("list = %q (complete %v, cursor %q), want %q", got, res.ListComplete, res.Cursor, want)
	}
	if got[len(got)-2] != "\uffff" || got[len(got)-1] != "😀" {
		t.Fatalf("not byte order: %q", got)
	}
}

func TestListPrefixIsLiteral(t *testing.T) {
	ns, _ := newTestNS(t)
	for _, k := range []string{"answers:color", "answers:country", "Answers:x", "answers_x", "answersZ", "a%b", "axb", "a_c"} {
		mustPut(t, ns, k, "v", PutOptions{})
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"answers:", []string{"answers:color", "answers:country"}},
		{"answers_", []string{"answers_x"}},
		{"a%", []string{"a%b"}},
		{"a_", []string{"a_c"}},
		{"Answers", []string{"Answers:x"}},
		{"zzz", []string{}},
	} {
		got, _ := listNames(t, ns, ListOptions{Prefix: tc.prefix})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("prefix %q: got %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

func TestListPaging(t *testing.T) {
	ns, _ := newTestNS(t)
	var want []string
	for i := 0; i < 1203; i++ {
		k := fmt.Sprintf("p:%05d", i)
		want = append(want, k)
		mustPut(t, ns, k, "v", PutOptions{})
	}
	mustPut(t, ns, "q:other", "v", PutOptions{})
	for _, tc := range []struct {
		limit, pages int
	}{{0, 2}, {1000, 2}, {7, 172}, {1, 1203}} {
		var got []string
		cursor, pages := "", 0
		for {
			res, err := ns.List(ListOptions{Prefix: "p:", Limit: tc.limit, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, k := range res.Keys {
				got = append(got, k.Name)
			}
			if res.ListComplete {
				if res.Cursor != "" {
					t.Fatalf("complete page carries cursor %q", res.Cursor)
				}
				break
			}
			last := res.Keys[len(res.Keys)-1].Name
			if res.Cursor != encodeCursor(last) {
				t.Fatalf("cursor %q is not base64 of the last key %q", res.Cursor, last)
			}
			cursor = res.Cursor
		}
		if !reflect.DeepEqual(got, want) || pages != tc.pages {
			t.Fatalf("limit %d: %d keys in %d pages, want %d in %d", tc.limit, len(got), pages, len(want), tc.pages)
		}
	}
	// Exactly limit keys left: Miniflare fetches limit+1, so the page is complete.
	res, _ := ns.List(ListOptions{Prefix: "p:", Limit: 3, Cursor: encodeCursor("p:01199")})
	if len(res.Keys) != 3 || !res.ListComplete {
		t.Fatalf("last exact page: %+v", res)
	}
	// A cursor for a key that doesn't exist still starts strictly after it.
	names, _ := listNames(t, ns, ListOptions{Prefix: "p:", Limit: 2, Cursor: encodeCursor("p:00010x")})
	if !reflect.DeepEqual(names, []string{"p:00011", "p:00012"}) {
		t.Fatalf("after a foreign cursor: %q", names)
	}
}

func TestExpiry(t *testing.T) {
	ns, clock := newTestNS(t)
	start := clock.t
	exp := start.Unix() + 120
	mustPut(t, ns, "abs", "1", PutOptions{Expiration: exp})
	mustPut(t, ns, "ttl", "2", PutOptions{ExpirationTTL: 60, Expiration: exp + 1000}) // TTL wins
	mustPut(t, ns, "forever", "3", PutOptions{})
	e, err := ns.GetWithMetadata("ttl")
	if err != nil || e.Expiration != start.Unix()+60 {
		t.Fatalf("ttl entry %+v %v", e, err)
	}
	_, res := listNames(t, ns, ListOptions{})
	if res.Keys[0].Name != "abs" || res.Keys[0].Expiration != exp || res.Keys[1].Expiration != 0 {
		t.Fatalf("list expirations: %+v", res.Keys)
	}
	ttlBlob := filepath.Join(ns.blobDir, e.Version)

	// At exactly the expiration millisecond, get treats it as expired (<=) ...
	clock.t = time.Unix(start.Unix()+60, 0)
	names, _ := listNames(t, ns, ListOptions{})
	if !reflect.DeepEqual(names, []string{"abs", "forever", "ttl"}) {
		t.Fatalf("list at expiry instant hides too much: %q", names) // ... while list hides only < now
	}
	if _, err := ns.Get("ttl"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get at expiry instant: %v", err)
	}
	if _, err := os.Stat(ttlBlob); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("expired blob not removed by get: %v", err)
	}
	if n := countRows(t, ns); n != 2 {
		t.Fatalf("rows after lazy get expiry = %d, want 2", n)
	}
	// List purges every expired row, even outside its prefix.
	clock.t = time.Unix(exp+1, 0)
	names, _ = listNames(t, ns, ListOptions{Prefix: "forever"})
	if !reflect.DeepEqual(names, []string{"forever"}) {
		t.Fatalf("list: %q", names)
	}
	if n := countRows(t, ns); n != 1 {
		t.Fatalf("rows after list purge = %d, want 1", n)
	}
}

func countRows(t *testing.T, ns *Namespace) int {
	t.Helper()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	var n int
	if err := ns.conn.QueryRowContext(t.Context(), "SELECT count(*) FROM _mf_entries").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPutVersionsAndMetadata(t *testing.T) {
	ns, _ := newTestNS(t)
	first := mustPut(t, ns, "k", "one", PutOptions{Metadata: json.RawMessage(` { "by" : "me", "n": [1, 2] } `)})
	if first.Previous != "" || !validBlobID(first.Version) {
		t.Fatalf("first put: %+v", first)
	}
	second := mustPut(t, ns, "k", "two", PutOptions{})
	if second.Previous != first.Version || second.Version == first.Version {
		t.Fatalf("second put: %+v after %+v", second, first)
	}
	if _, err := os.Stat(filepath.Join(ns.blobDir, first.Version)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("replaced blob still there: %v", err)
	}
	e, err := ns.GetWithMetadata("k")
	if err != nil || string(e.Value) != "two" || e.Metadata != nil || e.Version != second.Version {
		t.Fatalf("after overwrite: %+v %v", e, err)
	}
	mustPut(t, ns, "m", "x", PutOptions{Metadata: json.RawMessage(` { "by" : "me", "n": [1, 2] } `)})
	var stored string
	ns.conn.QueryRowContext(t.Context(), "SELECT metadata FROM _mf_entries WHERE key = 'm'").Scan(&stored)
	if stored != `{"by":"me","n":[1,2]}` {
		t.Fatalf("metadata stored as %q, want JSON.stringify form", stored)
	}
	// Binary values round-trip byte for byte, and callers get private copies.
	bin := []byte{0, 0xff, 0xfe, '\n', 0x80}
	ns.Put("bin", bin, PutOptions{})
	got, _ := ns.Get("bin")
	got[0] = 'X'
	again, _ := ns.Get("bin")
	if !reflect.DeepEqual(again, bin) {
		t.Fatalf("binary value %v, want %v", again, bin)
	}
	if err := ns.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ns.blobDir, second.Version)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("deleted key's blob still there: %v", err)
	}
}

// TestConcurrentUse hammers one namespace from several goroutines while another
// connection deletes k0 behind its back. What the emulator promises: a read of a
// key nobody else deletes (k1-k4) sees a value some writer wrote, never an error
// or a torn value; a read of k0 sees a written value or, when the other
// connection's delete came between the put and the get, not found (nothing
// else); and once the freshness window ends, every read matches the file.
func TestConcurrentUse(t *testing.T) {
	ns, _ := newTestNS(t)
	db := rawDB(t, ns)
	done := make(chan error, 8)
	for w := 0; w < 4; w++ {
		go func(w int) {
			for i := 0; i < 40; i++ {
				key := fmt.Sprintf("k%d", i%5)
				if _, err := ns.Put(key, []byte(fmt.Sprintf("w%d-%d", w, i)), PutOptions{}); err != nil {
					done <- err
					return
				}
				v, err := ns.Get(key)
				if key == "k0" && errors.Is(err, ErrNotFound) {
					err, v = nil, []byte("w (deleted by the other connection)")
				}
				if err != nil || len(v) == 0 || v[0] != 'w' {
					done <- fmt.Errorf("get %s: %q %v", key, v, err)
					return
				}
				if _, err := ns.List(ListOptions{Limit: 3}); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}(w)
	}
	go func() {
		for i := 0; i < 40; i++ {
			if _, err := db.Exec("DELETE FROM _mf_entries WHERE key = 'k0'"); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; i < 5; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ns.checkedAt.Store(0) // end the freshness window now: reads must match the file
	for i := 0; i < 5; i++ {
		key := fmt.Sprintf("k%d", i)
		var blob string
		err := db.QueryRow("SELECT blob_id FROM _mf_entries WHERE key = ?", key).Scan(&blob)
		e, gerr := ns.GetWithMetadata(key)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if !errors.Is(gerr, ErrNotFound) {
				t.Fatalf("%s: gone from the file but get says %v", key, gerr)
			}
		case err != nil:
			t.Fatal(err)
		case gerr != nil || e.Version != blob:
			t.Fatalf("%s: file has %s, get says %+v %v", key, blob, e, gerr)
		}
	}
}

// TestValueCacheBudget: cached bytes are counted, given back when keys are
// replaced or deleted, and never exceed the budget (reads past it come from files).
func TestValueCacheBudget(t *testing.T) {
	ns, _ := newTestNS(t)
	big := make([]byte, maxCachedValue)
	for i := 0; i < cacheBudget/maxCachedValue+3; i++ {
		if _, err := ns.Put(fmt.Sprintf("big%02d", i), big, PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if c := ns.cached.Load(); c > cacheBudget {
			t.Fatalf("cached %d bytes, over the %d budget", c, cacheBudget)
		}
	}
	if c := ns.cached.Load(); c != cacheBudget {
		t.Fatalf("cached %d, want the budget %d filled", c, cacheBudget)
	}
	last := fmt.Sprintf("big%02d", cacheBudget/maxCachedValue+2)
	if v, err := ns.Get(last); err != nil || len(v) != len(big) {
		t.Fatalf("uncached read: %d bytes, %v", len(v), err)
	}
	ns.Delete("big00")
	mustPut(t, ns, "big01", "small now", PutOptions{})
	if c := ns.cached.Load(); c != cacheBudget-2*maxCachedValue+int64(len("small now")) {
		t.Fatalf("after delete and overwrite: cached %d", c)
	}
	ns.mu.Lock()
	ns.reloadLocked()
	ns.mu.Unlock()
	if c := ns.cached.Load(); c != cacheBudget-2*maxCachedValue+int64(len("small now")) {
		t.Fatalf("after reload: cached %d (values must carry over)", c)
	}
	if v, err := ns.Get("big05"); err != nil || len(v) != len(big) {
		t.Fatalf("after reload: %d %v", len(v), err)
	}
}
