package emulator

import (
	"encoding/json"
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

// indexSchema keys rows by their key. memdb's string index appends a NUL byte,
// which preserves byte order, so iteration order is SQLite's BINARY collation.
var indexSchema = &memdb.DBSchema{Tables: map[string]*memdb.TableSchema{
	entriesTable: {
		Name: entriesTable,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Key"}},
		},
	},
}}

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
