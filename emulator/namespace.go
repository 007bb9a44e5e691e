package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	memdb "github.com/hashicorp/go-memdb"
)

// Entry is a stored value with its expiration, metadata and version.
type Entry struct {
	Key        string
	Value      []byte
	Expiration int64           // seconds since epoch, 0 = none
	Metadata   json.RawMessage // nil = none
	Version    string          // the row's blob_id: changes on every write; usable as an ETag
}

// Namespace is one KV namespace. All methods are safe for concurrent use.
type Namespace struct {
	id      string
	store   *Store
	dbPath  string
	blobDir string

	db    *sql.DB
	conn  *sql.Conn // the one connection: data_version is per connection
	probe walProbe  // tells a read, without a system call, that no commit happened
	// versionQueries counts PRAGMA data_version queries (tests: the probe skips them).
	versionQueries atomic.Int64

	// files are the database's held descriptors (see heldFile), for syncCommit.
	dbFile, walFile *os.File
	dirSynced       atomic.Bool // the database folder was fsynced since the -wal appeared

	ckpt *checkpointer // runs checkpoints on a second connection, outside mu

	mu          sync.Mutex                  // serialises SQL and index updates; never held through an fsync
	index       atomic.Pointer[memdb.MemDB] // swapped whole on reload; readers never lock
	gen         atomic.Uint64               // bumped by every change of the index
	dataVersion int64
	invalid     bool  // the index may disagree with the file: reload at the next read (under mu)
	nextExpiry  int64 // earliest ExpirationMs in the index, 0 = none (under mu)
	blobDirMade bool
	closed      bool
	isClosed    atomic.Bool  // closed, readable without mu by the read fast path
	cached      atomic.Int64 // bytes of values cached on live rows
}

func openNamespace(s *Store, id string) (*Namespace, error) {
	n := &Namespace{
		id:      id,
		store:   s,
		dbPath:  DatabasePath(s.root, id),
		blobDir: BlobDir(s.root, id),
	}
	n.probe.path = n.dbPath + "-shm"
	db, conn, err := openDB(n.dbPath)
	if err != nil {
		return nil, err
	}
	n.db, n.conn = db, conn
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.dbFile, err = holdFile(n.dbPath); err != nil {
		n.closeLocked()
		return nil, fmt.Errorf("opening KV database %s: %w", n.dbPath, err)
	}
	if err := n.reloadLocked(); err != nil {
		n.closeLocked()
		return nil, err
	}
	n.holdWAL()
	n.probe.attach()
	n.ckpt = newCheckpointer(db)
	n.sweepOrphans()
	return n, nil
}

// holdWAL takes the held descriptor on the -wal file once it exists (under mu).
func (n *Namespace) holdWAL() *os.File {
	if n.walFile == nil {
		if f, err := holdFile(n.dbPath + "-wal"); err == nil {
			n.walFile = f
		}
	}
	return n.walFile
}

// ID is the namespace id.
func (n *Namespace) ID() string { return n.id }

// DatabasePath is the namespace's SQLite file.
func (n *Namespace) DatabasePath() string { return n.dbPath }

func (n *Namespace) close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.closeLocked()
}

func (n *Namespace) closeLocked() error {
	if n.closed {
		return nil
	}
	n.closed = true
	n.isClosed.Store(true)
	// The connections first: the held descriptors must outlive them (heldFile).
	errs := []error{n.ckpt.close(), n.conn.Close(), n.db.Close(), n.probe.close()}
	if n.walFile != nil {
		errs = append(errs, releaseFile(n.dbPath+"-wal"))
	}
	if n.dbFile != nil {
		errs = append(errs, releaseFile(n.dbPath))
	}
	return errors.Join(errs...)
}

func (n *Namespace) nowMs() int64 { return n.store.now().UnixMilli() }

var (
	errClosed      = errors.New("KV namespace is closed")
	errBlobMissing = errors.New("its blob file is missing")
)

// refresh makes the index current with the database before a read. There is no
// freshness window: every read compares the WAL-index header (walProbe, a few
// nanoseconds) and, only when some connection committed since the index was
// last brought up to date, takes mu to ask SQLite for data_version and reload
// after another connection's commit. mu is never held through an fsync, so that
// wait is at most one short SQL statement of this process's writers. While the
// check is pending no reader is served from the index: every reader that sees
// the header move takes the slow path.
func (n *Namespace) refresh() error {
	if n.isClosed.Load() {
		return errClosed
	}
	if n.probe.unchanged() {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.refreshLocked()
}

func (n *Namespace) refreshLocked() error {
	if n.closed {
		return errClosed
	}
	n.probe.attach()
	hdr, hdrOK := n.probe.current()
	if !n.invalid && n.probe.matches(hdr, hdrOK) {
		return nil // another goroutine has just brought the index up to date
	}
	reload := n.invalid
	if !reload {
		var v int64
		n.versionQueries.Add(1)
		if err := n.conn.QueryRowContext(context.Background(), "PRAGMA data_version").Scan(&v); err != nil {
			n.probe.forget()
			return fmt.Errorf("checking KV database %s for changes: %w", n.dbPath, err)
		}
		reload = v != n.dataVersion
	}
	if reload {
		if err := n.reloadLocked(); err != nil {
			n.invalidateLocked()
			return err
		}
		n.invalid = false
	}
	n.probe.remember(hdr, hdrOK)
	return nil
}

// invalidateLocked makes the next read reload the index from the file whatever
// the header and data_version say: after a failure part-way through a write the
// index may disagree with the file, and data_version does not move for this
// connection's own commits. Called under mu.
func (n *Namespace) invalidateLocked() {
	n.invalid = true
	n.probe.forget()
}

// invalidate is invalidateLocked for a caller not holding mu.
func (n *Namespace) invalidate() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.invalidateLocked()
}

// Generation brings the index up to date, as a read does, and returns a number
// that changes whenever the index changes: a caller that caches something
// derived from a read may keep serving it for as long as Generation returns the
// number it read before that read.
func (n *Namespace) Generation() (uint64, error) {
	if err := n.refresh(); err != nil {
		return 0, err
	}
	return n.gen.Load(), nil
}

// reloadLocked rebuilds the index from _mf_entries inside one read transaction,
// keeping cached values of rows whose blob is unchanged.
func (n *Namespace) reloadLocked() error {
	ctx := context.Background()
	tx, err := n.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
	}
	defer tx.Rollback()
	var version int64
	if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
		return fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT key, blob_id, expiration, metadata FROM _mf_entries ORDER BY key")
	if err != nil {
		return fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
	}
	defer rows.Close()
	old := n.index.Load()
	var oldTxn *memdb.Txn
	if old != nil {
		oldTxn = old.Txn(false)
	}
	fresh := newIndex()
	w := fresh.Txn(true)
	var next, carried int64
	for rows.Next() {
		var (
			key, blob string
			exp       sql.NullInt64
			meta      sql.NullString
		)
		if err := rows.Scan(&key, &blob, &exp, &meta); err != nil {
			w.Abort()
			return fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
		}
		r := n.rowFromDB(key, blob, exp, meta)
		if r.ExpirationMs != 0 && (next == 0 || r.ExpirationMs < next) {
			next = r.ExpirationMs
		}
		if key == "" {
			continue // can't be written by Miniflare and can't be indexed
		}
		if oldTxn != nil {
			if prev, _ := oldTxn.First(entriesTable, "id", key); prev != nil && prev.(*row).BlobID == blob {
				if p := prev.(*row).value.Load(); p != nil {
					r.value.Store(p)
					carried += int64(len(*p))
				}
			}
		}
		if err := w.Insert(entriesTable, r); err != nil {
			w.Abort()
			return fmt.Errorf("indexing KV database %s: %w", n.dbPath, err)
		}
	}
	if err := rows.Err(); err != nil {
		w.Abort()
		return fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
	}
	w.Commit()
	n.index.Store(fresh)
	n.gen.Add(1)
	n.dataVersion = version
	n.nextExpiry = next
	if oldTxn != nil {
		if it, err := oldTxn.Get(entriesTable, "id"); err == nil {
			for raw := it.Next(); raw != nil; raw = it.Next() {
				raw.(*row).dead.Store(true)
			}
		}
	}
	n.cached.Store(carried)
	return nil
}

// rowFromDB builds an index row from a `_mf_entries` row, noting (rather than
// failing on) a blob id or metadata that can't be served, so one bad row fails
// only its own reads.
func (n *Namespace) rowFromDB(key, blob string, exp sql.NullInt64, meta sql.NullString) *row {
	r := &row{Key: key, BlobID: blob}
	if exp.Valid {
		r.ExpirationMs = exp.Int64
	}
	if meta.Valid {
		if json.Valid([]byte(meta.String)) {
			r.Metadata = json.RawMessage(meta.String)
		} else {
			r.badMeta = "its metadata in " + n.dbPath + " is not valid JSON"
		}
	}
	if !validBlobID(blob) {
		r.badBlob = fmt.Sprintf("its blob_id %q in %s is not an 80-hex-digit Miniflare blob id", blob, n.dbPath)
	}
	return r
}

// cacheValue keeps v on the row while the namespace's budget allows.
func (n *Namespace) cacheValue(r *row, v []byte) {
	if len(v) > maxCachedValue || r.dead.Load() || n.cached.Load()+int64(len(v)) > cacheBudget {
		return
	}
	c := append([]byte(nil), v...)
	if !r.value.CompareAndSwap(nil, &c) {
		return
	}
	n.cached.Add(int64(len(c)))
	if r.dead.Load() && r.value.CompareAndSwap(&c, nil) { // left the index meanwhile
		n.cached.Add(-int64(len(c)))
	}
}

// retire marks a row that leaves the index and gives back its cached bytes.
func (n *Namespace) retire(r *row) {
	r.dead.Store(true)
	if p := r.value.Swap(nil); p != nil {
		n.cached.Add(-int64(len(*p)))
	}
}

// lookup returns the current row for key, or nil.
func (n *Namespace) lookup(key string) *row {
	raw, err := n.index.Load().Txn(false).First(entriesTable, "id", key)
	if err != nil || raw == nil {
		return nil
	}
	return raw.(*row)
}

// Get returns the value of key, or ErrNotFound when it is missing or expired.
func (n *Namespace) Get(key string) ([]byte, error) {
	e, err := n.get(key, false)
	if err != nil {
		return nil, err
	}
	return e.Value, nil
}

// GetWithMetadata returns the entry of key, or ErrNotFound when it is missing or
// expired.
func (n *Namespace) GetWithMetadata(key string) (*Entry, error) {
	return n.get(key, true)
}

func (n *Namespace) get(key string, withMeta bool) (*Entry, error) {
	if err := validateKey(opGet, key); err != nil {
		return nil, err
	}
	if err := n.refresh(); err != nil {
		return nil, err
	}
	r := n.lookup(key)
	if r == nil {
		return nil, ErrNotFound
	}
	if r.expired(n.nowMs()) {
		if err := n.expireKey(r); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	if err := r.unreadable(); err != nil {
		return nil, err
	}
	value, err := n.readValue(r)
	if errors.Is(err, errBlobMissing) {
		// The index may be stale: a writer (here or in another process) replaced
		// the key and removed the old blob. Ask the database, as often as needed.
		n.invalidate()
		r, value, err = n.readFromDB(key)
		if err == nil && r == nil {
			return nil, ErrNotFound
		}
		if err == nil && r.expired(n.nowMs()) {
			if err := n.expireKey(r); err != nil {
				return nil, err
			}
			return nil, ErrNotFound
		}
	}
	if err != nil {
		return nil, err
	}
	e := &Entry{Key: key, Value: value, Version: r.BlobID}
	if withMeta {
		e.Expiration = r.ExpirationMs / 1000
		e.Metadata = r.Metadata
	}
	return e, nil
}

// readValue returns a private copy of the row's value, from the cache or its blob.
func (n *Namespace) readValue(r *row) ([]byte, error) {
	if p := r.value.Load(); p != nil {
		return append([]byte(nil), (*p)...), nil
	}
	path := filepath.Join(n.blobDir, r.BlobID)
	if testHookBlobRead != nil {
		testHookBlobRead(path)
	}
	b, err := readBlob(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("KV key %q can't be read: %w: %s", r.Key, errBlobMissing, filepath.Join(n.blobDir, r.BlobID))
		}
		return nil, fmt.Errorf("KV key %q can't be read: %w", r.Key, err)
	}
	n.cacheValue(r, b)
	return b, nil
}
