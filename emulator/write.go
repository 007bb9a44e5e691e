package emulator

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// PutOptions are a put's optional expiration and metadata.
type PutOptions struct {
	Expiration    int64           // absolute, seconds since epoch; 0 = none
	ExpirationTTL int64           // seconds from now; 0 = none
	Metadata      json.RawMessage // nil = none
}

// PutResult tells which version a put wrote and which one it replaced.
type PutResult struct {
	Version  string // blob_id of the new value
	Previous string // blob_id the write replaced ("" if the key was absent), read in the same transaction
}

// compactMetadata validates metadata as JSON and serialises it compactly, as
// Miniflare stores JSON.stringify(metadata); the limit applies to that text.
func compactMetadata(m json.RawMessage) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		return nil, fmt.Errorf("metadata is not valid JSON: %w", err)
	}
	if b.Len() > MaxMetadataBytes {
		return nil, limitErr(opPut, 413, "Metadata length of %d exceeds limit of %d.", b.Len(), MaxMetadataBytes)
	}
	return b.Bytes(), nil
}

// CheckPut reports the error Put would return for these arguments because of a
// broken limit or bad metadata, without writing anything (bulk writes check every
// entry before writing the first).
func (n *Namespace) CheckPut(key string, value []byte, o PutOptions) error {
	_, err := n.preparePut(key, value, o)
	return err
}

// Put stores value under key: the blob file is written and fsynced first, then the
// row goes in with one short INSERT OR REPLACE transaction, then the replaced blob
// is removed.
func (n *Namespace) Put(key string, value []byte, o PutOptions) (PutResult, error) {
	p, err := n.preparePut(key, value, o)
	if err != nil {
		return PutResult{}, err
	}
	res, _, err := n.write(p, nil)
	return res, err
}

// preparedPut is a validated put: what goes into the blob file and the row.
type preparedPut struct {
	key    string
	value  []byte
	expSec int64  // absolute, seconds; 0 = none
	meta   []byte // compact JSON; nil = none
}

func (n *Namespace) preparePut(key string, value []byte, o PutOptions) (preparedPut, error) {
	if err := validateKey(opPut, key); err != nil {
		return preparedPut{}, err
	}
	expSec, err := expirationFor(o, n.store.now().Unix())
	if err != nil {
		return preparedPut{}, err
	}
	meta, err := compactMetadata(o.Metadata)
	if err != nil {
		return preparedPut{}, err
	}
	if err := validateValue(value); err != nil {
		return preparedPut{}, err
	}
	return preparedPut{key: key, value: value, expSec: expSec, meta: meta}, nil
}

// write stores p. With expect nil it replaces whatever is there (a put); with
// expect set, only if the row's blob_id is still *expect ("" = no row), read
// inside the write transaction: otherwise nothing is written and ok is false.
func (n *Namespace) write(p preparedPut, expect *string) (res PutResult, ok bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return PutResult{}, false, errClosed
	}
	id := newBlobID(n.store.now())
	blobPath := filepath.Join(n.blobDir, id)
	if err := n.writeBlob(blobPath, p.value); err != nil {
		return PutResult{}, false, err
	}
	var expArg, metaArg any
	if p.expSec != 0 {
		expArg = p.expSec * 1000
	}
	if p.meta != nil {
		metaArg = string(p.meta)
	}
	prev, ok, err := n.commitPut(p.key, id, expArg, metaArg, expect)
	if err != nil || !ok {
		os.Remove(blobPath)
		return PutResult{}, false, err
	}
	if err := n.syncCommit(); err != nil {
		return PutResult{}, false, err
	}

	r := &row{Key: p.key, BlobID: id, ExpirationMs: p.expSec * 1000}
	if p.meta != nil {
		r.Metadata = json.RawMessage(p.meta)
	}
	n.indexPut(r)
	n.cacheValue(r, p.value)
	if r.ExpirationMs != 0 && (n.nextExpiry == 0 || r.ExpirationMs < n.nextExpiry) {
		n.nextExpiry = r.ExpirationMs
	}
	n.removeBlob(prev)
	return PutResult{Version: id, Previous: prev}, true, nil
}

// writeBlob writes a value file and fsyncs it, so the row never points at a file
// that a crash could lose. The folder itself is not fsynced per put: the row's
// commit fsyncs the WAL right after, and on journaling file systems (ext4, xfs)
// that flush carries the new directory entry with it.
func (n *Namespace) writeBlob(path string, value []byte) error {
	if !n.blobDirMade {
		if err := os.MkdirAll(n.blobDir, 0o755); err != nil {
			return fmt.Errorf("creating KV blob folder: %w", err)
		}
		n.blobDirMade = true
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing KV blob: %w", err)
	}
	_, werr := f.Write(value)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing KV blob %s: %w", path, err)
	}
	return nil
}

// syncCommit makes the transaction this connection just committed durable before
// it is acknowledged: the database runs with synchronous=NORMAL, so COMMIT wrote
// the WAL but did not fsync it. Fsyncing here, outside the write lock, gives the
// durability of synchronous=FULL while the lock is held for microseconds rather
// than the disk's flush. The main file is synced too: should another connection
// have checkpointed our frames into it and restarted the WAL meanwhile, that is
// where they are, and that connection's checkpoint may not have synced it.
func (n *Namespace) syncCommit() error {
	for _, path := range []string{n.dbPath + "-wal", n.dbPath} {
		f, err := openForSync(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // no WAL (a checkpoint on the last close removed it): nothing to sync there
		}
		if err == nil {
			err = errors.Join(f.Sync(), f.Close())
		}
		if err != nil {
			return fmt.Errorf("writing KV database %s: syncing: %w", n.dbPath, err)
		}
	}
	return nil
}

// commitPut is Miniflare's put transaction: read the old blob id, replace the row.
// With expect set it is a compare-and-swap: the row is replaced only if its blob_id
// is still *expect, checked under the same write lock. BEGIN IMMEDIATE takes the
// write lock up front, so the busy timeout applies to it rather than failing
// mid-transaction; the transaction itself is two statements, so the lock is held
// for one WAL append, the fsync comes after it (workerd, which sets no busy timeout, fails with
// SQLITE_BUSY while we hold it).
func (n *Namespace) commitPut(key, blobID string, exp, meta any, expect *string) (prev string, ok bool, err error) {
	ctx := context.Background()
	if _, err := n.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return "", false, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	committed := false
	defer func() {
		if !committed {
			n.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	var old sql.NullString
	err = n.conn.QueryRowContext(ctx, "SELECT blob_id FROM _mf_entries WHERE key = ?", key).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", false, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if expect != nil && old.String != *expect {
		return old.String, false, nil
	}
	_, err = n.conn.ExecContext(ctx, "INSERT OR REPLACE INTO _mf_entries (key, blob_id, expiration, metadata) VALUES (?, ?, ?, ?)", key, blobID, exp, meta)
	if err != nil {
		return "", false, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if _, err = n.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return "", false, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	committed = true
	return old.String, true, nil
}

// indexPut replaces key's row in the index (under mu).
func (n *Namespace) indexPut(r *row) {
	w := n.index.Load().Txn(true)
	if prev, _ := w.First(entriesTable, "id", r.Key); prev != nil {
		n.retire(prev.(*row))
	}
	if err := w.Insert(entriesTable, r); err != nil {
		w.Abort()
		n.checkedAt.Store(0) // force a reload at the next read rather than serve stale data
		n.dataVersion = -1
		return
	}
	w.Commit()
}

// indexDelete removes keys from the index (under mu).
func (n *Namespace) indexDelete(keys ...string) {
	w := n.index.Load().Txn(true)
	for _, k := range keys {
		if prev, _ := w.First(entriesTable, "id", k); prev != nil {
			n.retire(prev.(*row))
		}
		if _, err := w.DeleteAll(entriesTable, "id", k); err != nil {
			w.Abort()
			n.checkedAt.Store(0)
			n.dataVersion = -1
			return
		}
	}
	w.Commit()
}

// removeBlob deletes a replaced value file. Only well-formed ids become paths; a
// file already gone is fine (the other process may have removed it).
func (n *Namespace) removeBlob(id string) {
	if id == "" || !validBlobID(id) {
		return
	}
	os.Remove(filepath.Join(n.blobDir, id))
}

// Delete removes key; a missing key is not an error.
func (n *Namespace) Delete(key string) error {
	if err := validateKey(opDelete, key); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	var blob string
	err := n.conn.QueryRowContext(context.Background(), "DELETE FROM _mf_entries WHERE key = ? RETURNING blob_id", key).Scan(&blob)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	n.indexDelete(key)
	n.removeBlob(blob)
	if blob != "" {
		return n.syncCommit()
	}
	return nil
}

// expireKey is get's lazy expiry: the row goes (only if it is still the same
// version, in case another process rewrote it meanwhile), then its blob.
func (n *Namespace) expireKey(r *row) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	res, err := n.conn.ExecContext(context.Background(), "DELETE FROM _mf_entries WHERE key = ? AND blob_id = ?", r.Key, r.BlobID)
	if err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if cur, _ := n.index.Load().Txn(false).First(entriesTable, "id", r.Key); cur != nil && cur.(*row).BlobID == r.BlobID {
		n.indexDelete(r.Key)
	}
	if c, _ := res.RowsAffected(); c > 0 {
		n.removeBlob(r.BlobID)
	}
	return nil
}

// purgeExpired is list's lazy expiry: every row with expiration < now goes.
func (n *Namespace) purgeExpired(nowMs int64) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	if n.nextExpiry == 0 || n.nextExpiry >= nowMs {
		return nil
	}
	rows, err := n.conn.QueryContext(context.Background(), "DELETE FROM _mf_entries WHERE expiration < ? RETURNING key, blob_id", nowMs)
	if err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	var keys, blobs []string
	for rows.Next() {
		var k, b string
		if err := rows.Scan(&k, &b); err != nil {
			rows.Close()
			return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
		}
		keys, blobs = append(keys, k), append(blobs, b)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	n.indexDelete(keys...)
	for _, b := range blobs {
		n.removeBlob(b)
	}
	// Recompute the earliest expiration from what is left.
	var next int64
	it, err := n.index.Load().Txn(false).Get(entriesTable, "id")
	if err == nil {
		for raw := it.Next(); raw != nil; raw = it.Next() {
			if e := raw.(*row).ExpirationMs; e != 0 && (next == 0 || e < next) {
				next = e
			}
		}
	}
	n.nextExpiry = next
	return nil
}
