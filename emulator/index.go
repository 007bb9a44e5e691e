package emulator

import (
	"encoding/json"
	"fmt"
	"sync/atomic"

	memdb "github.com/hashicorp/go-memdb"
)

// row is one `_mf_entries` row as held in memory. Rows are immutable once in the
// index (a write inserts a new row), except for the cached value: a blob never
// changes under its id, so caching it on the row is always correct.
type row struct {
	Key          string
	BlobID       string
	ExpirationMs int64           // milliseconds since the epoch, 0 = never
	Metadata     json.RawMessage // nil = none
	badBlob      string          // why the row's blob_id can't be used as a path; "" = fine
	badMeta      string          // why the row's metadata can't be served; "" = fine
	value        atomic.Pointer[[]byte]
	dead         atomic.Bool // left the index: its cached bytes no longer count
}

// expired is Miniflare's get rule: expiration <= now.
func (r *row) expired(nowMs int64) bool { return r.ExpirationMs != 0 && r.ExpirationMs <= nowMs }

// hiddenFromList is Miniflare's list rule: expiration < now (one millisecond apart
// from get's rule, faithfully).
func (r *row) hiddenFromList(nowMs int64) bool { return r.ExpirationMs != 0 && r.ExpirationMs < nowMs }

const entriesTable = "entries"

// indexSchema keys rows by their key. The key index appends a NUL byte, which
// preserves byte order, so iteration order is SQLite's BINARY collation.
var indexSchema = &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
	entriesTable: {
		Name: entriesTable,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: keyIndex{}},
		},
	},
}}

// keyIndex indexes rows by Key, NUL-terminated like memdb's StringFieldIndex but
// with one allocation per lookup and no reflection.
type keyIndex struct{}

func nulTerminated(s string) []byte {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return b
}

func (keyIndex) FromObject(obj any) (bool, []byte, error) {
	r, ok := obj.(*row)
	if !ok {
		return false, nil, fmt.Errorf("key index: %T is not a row", obj)
	}
	return r.Key != "", nulTerminated(r.Key), nil
}

func (keyIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("key index: want one argument, got %d", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("key index: argument %T is not a string", args[0])
	}
	return nulTerminated(s), nil
}

// maxCachedValue is the largest value kept in memory after a read; bigger ones
// are read from their blob file each time. cacheBudget caps the cached bytes of
// one namespace; past it, values are read from their files.
const (
	maxCachedValue = 1 << 20
	cacheBudget    = 64 << 20
)

func newIndex() *memdb.MemDB {
	db, err := memdb.NewMemDB(indexSchema)
	if err != nil {
		panic("emulator: bad memdb schema: " + err.Error()) // a programming error
	}
	return db
}

// unreadable is the error a read of a row with an unusable blob id or metadata
// returns, or nil.
func (r *row) unreadable() error {
	if r.badBlob != "" || r.badMeta != "" {
		return fmt.Errorf("KV key %q can't be read: %s", r.Key, r.badBlob+r.badMeta)
	}
	return nil
}
