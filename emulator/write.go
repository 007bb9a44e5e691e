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

// Put stores value under key, durably before it returns (see write).
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
//
// The order is a durable store's, so that a power cut at any point keeps every
// acknowledged write and never leaves a row without its value:
//  1. the value's file, fsynced, and the blobs folder fsynced (its name);
//  2. the row, in one short transaction under mu, and the index with it;
//  3. the WAL fsynced (syncCommit): only now is the write acknowledged;
//  4. only then the replaced value's file is removed.
//
// A failure after step 1 leaves the index marked invalid, so the next read
// comes from the file whatever happened to the transaction.
func (n *Namespace) write(p preparedPut, expect *string) (res PutResult, ok bool, err error) {
	if n.isClosed.Load() {
		return PutResult{}, false, errClosed
	}
	id := newBlobID(n.store.now())
	blobPath := filepath.Join(n.blobDir, id)
	if err := n.writeBlob(blobPath, p.value); err != nil {
		return PutResult{}, false, err
	}
	prev, ok, err := n.commitRow(p, id, expect)
	if err != nil || !ok {
		n.dropBlob(p.key, id, err)
		return PutResult{}, false, err
	}
	if err := n.syncCommit(); err != nil {
		return PutResult{}, false, err // prev stays: the commit may not survive a power cut
	}
	n.removeBlob(prev)
	n.checkpointIfDue()
	return PutResult{Version: id, Previous: prev}, true, nil
}

// commitRow commits p's row naming blob id, and on success puts it in the index,
// all under mu. A failure marks the index invalid: the transaction may or may
// not have committed.
func (n *Namespace) commitRow(p preparedPut, id string, expect *string) (prev string, ok bool, err error) {
	var expArg, metaArg any
	if p.expSec != 0 {
		expArg = p.expSec * 1000
	}
	if p.meta != nil {
		metaArg = string(p.meta)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return "", false, errClosed
	}
	prev, ok, err = n.commitPut(p.key, id, expArg, metaArg, expect)
	if err != nil {
		n.invalidateLocked()
		return "", false, err
	}
	if !ok {
		return prev, false, nil
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
	return prev, true, nil
}

// dropBlob removes the value file of a write that did not commit. After an
// error the transaction's fate is unknown (a COMMIT can fail after the row
// reached the WAL), so the file goes only if the row does not name it; when even
// that can't be read the file stays, for the orphan sweep.
func (n *Namespace) dropBlob(key, id string, commitErr error) {
	if commitErr != nil {
		r, err := n.queryRow(key)
		if err != nil || (r != nil && r.BlobID == id) {
			return
		}
	}
	os.Remove(filepath.Join(n.blobDir, id))
}

// writeBlob writes a value file and fsyncs it, then its folder, so that neither
// its bytes nor its name can be lost by a power cut once the row names it.
func (n *Namespace) writeBlob(path string, value []byte) error {
	if err := n.makeBlobDir(); err != nil {
		return err
	}
	if err := fault(StepBlobWrite); err != nil {
		return fmt.Errorf("writing KV blob %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("writing KV blob: %w", err)
	}
	_, werr := f.Write(value)
	serr := fault(StepBlobSync)
	if serr == nil {
		serr = f.Sync()
	}
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing KV blob %s: %w", path, err)
	}
	derr := fault(StepBlobDirSync)
	if derr == nil {
		derr = syncPath(n.blobDir)
	}
	if derr != nil {
		os.Remove(path)
		return fmt.Errorf("writing KV blob %s: syncing its folder: %w", path, derr)
	}
	return nil
}

// makeBlobDir creates the blobs folder once, durably: the folder and every
// folder it created are fsynced in their parents.
func (n *Namespace) makeBlobDir() error {
	n.mu.Lock()
	made := n.blobDirMade
	n.mu.Unlock()
	if made {
		return nil
	}
	if err := makeDurableDir(n.blobDir); err != nil {
		return fmt.Errorf("creating KV blob folder: %w", err)
	}
	n.mu.Lock()
	n.blobDirMade = true
	n.mu.Unlock()
	return nil
}

// makeDurableDir is os.MkdirAll whose new folders survive a power cut: each
// folder it creates is fsynced in its parent.
func makeDurableDir(dir string) error {
	var made []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range made {
		if err := syncPath(filepath.Dir(d)); err != nil {
			return err
		}
	}
	if len(made) > 0 {
		return syncPath(dir)
	}
	return nil
}

// syncCommit makes the transactions this connection committed durable before
// they are acknowledged: the database runs with synchronous=NORMAL, so COMMIT
// wrote the WAL but did not fsync it. Fsyncing here, outside mu and outside
// SQLite's write lock, gives the durability of synchronous=FULL while the lock
// is held for microseconds rather than the disk's flush (workerd, which sets no
// busy timeout, fails every put that arrives during it). The main file is synced
// too: another connection may have checkpointed our frames into it and
// restarted the WAL meanwhile. The folder is synced once after the -wal file
// appears (its name), and after every commit when there is no -wal (a
// rollback-journal database, whose commit point is the journal's removal).
//
// The descriptors are the held ones (see heldFile). A failure marks the index
// invalid: the next read comes from the file.
func (n *Namespace) syncCommit() error {
	n.mu.Lock()
	wal := n.holdWAL()
	n.mu.Unlock()
	err := fault(StepWALSync)
	if err == nil && wal != nil {
		err = wal.Sync()
	}
	if err == nil {
		err = n.dbFile.Sync()
	}
	if err == nil && (wal == nil || !n.dirSynced.Load()) {
		if err = syncPath(filepath.Dir(n.dbPath)); err == nil && wal != nil {
			n.dirSynced.Store(true)
		}
	}
	if err != nil {
		n.invalidate()
		return fmt.Errorf("writing KV database %s: syncing: %w", n.dbPath, err)
	}
	return nil
}

// checkpointIfDue checkpoints, outside mu, once the WAL holds
// walCheckpointFrames frames (see checkpointer).
func (n *Namespace) checkpointIfDue() {
	if h, ok := n.probe.current(); ok && h.mxFrame() >= walCheckpointFrames {
		n.ckpt.run()
	}
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
	if err := n.commit(ctx); err != nil {
		return "", false, err // the deferred ROLLBACK is harmless if it did commit
	}
	committed = true
	return old.String, true, nil
}

// commit runs COMMIT with the commit steps' injected failures (tests).
func (n *Namespace) commit(ctx context.Context) error {
	if err := fault(StepCommit); err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if _, err := n.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if err := fault(StepCommitted); err != nil {
		return fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	return nil
}

// indexPut replaces key's row in the index (under mu).
func (n *Namespace) indexPut(r *row) {
	w := n.index.Load().Txn(true)
	if prev, _ := w.First(entriesTable, "id", r.Key); prev != nil {
		n.retire(prev.(*row))
	}
	if err := w.Insert(entriesTable, r); err != nil {
		w.Abort()
		n.invalidateLocked() // reload at the next read rather than serve stale data
		return
	}
	w.Commit()
	n.gen.Add(1)
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
			n.invalidateLocked()
			return
		}
	}
	w.Commit()
	n.gen.Add(1)
}

// removeBlob deletes a replaced value file. Only well-formed ids become paths; a
// file already gone is fine (the other process may have removed it). Callers
// remove a file only once the commit that stopped naming it is durable.
func (n *Namespace) removeBlob(id string) {
	if id == "" || !validBlobID(id) {
		return
	}
	os.Remove(filepath.Join(n.blobDir, id))
}

// deleteRows runs one DELETE ... RETURNING blob_id as its own transaction under
// mu, takes the deleted keys out of the index, and returns their blobs. A
// failure marks the index invalid.
func (n *Namespace) deleteRows(query string, args ...any) (blobs []string, err error) {
	ctx := context.Background()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, errClosed
	}
	defer func() {
		if err != nil {
			n.invalidateLocked()
		}
	}()
	if _, err := n.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	committed := false
	defer func() {
		if !committed {
			n.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	rows, err := n.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	var keys []string
	for rows.Next() {
		var k, b string
		if err := rows.Scan(&k, &b); err != nil {
			rows.Close()
			return nil, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
		}
		keys, blobs = append(keys, k), append(blobs, b)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("writing KV database %s: %w", n.dbPath, err)
	}
	if err := n.commit(ctx); err != nil {
		return nil, err
	}
	committed = true
	if len(keys) > 0 {
		n.indexDelete(keys...)
	}
	return blobs, nil
}

// finishDelete makes a delete durable, then removes the deleted rows' files: a
// power cut before the WAL's fsync brings the rows back, and they must still
// have their values.
func (n *Namespace) finishDelete(blobs []string) error {
	if len(blobs) == 0 {
		return nil // nothing changed
	}
	if err := n.syncCommit(); err != nil {
		return err
	}
	for _, b := range blobs {
		n.removeBlob(b)
	}
	n.checkpointIfDue()
	return nil
}

// Delete removes key, durably before it returns; a missing key is not an error.
func (n *Namespace) Delete(key string) error {
	if err := validateKey(opDelete, key); err != nil {
		return err
	}
	blobs, err := n.deleteRows("DELETE FROM _mf_entries WHERE key = ? RETURNING key, blob_id", key)
	if err != nil {
		return err
	}
	return n.finishDelete(blobs)
}

// expireKey is get's lazy expiry: the row goes (only if it is still the same
// version, in case another process rewrote it meanwhile), durably, then its blob.
func (n *Namespace) expireKey(r *row) error {
	blobs, err := n.deleteRows("DELETE FROM _mf_entries WHERE key = ? AND blob_id = ? RETURNING key, blob_id", r.Key, r.BlobID)
	if err != nil {
		return err
	}
	if len(blobs) == 0 {
		// Another process rewrote or deleted the key meanwhile: the index
		// still holds the expired row, which the next read must not serve.
		n.mu.Lock()
		if cur, _ := n.index.Load().Txn(false).First(entriesTable, "id", r.Key); cur != nil && cur.(*row).BlobID == r.BlobID {
			n.indexDelete(r.Key)
		}
		n.mu.Unlock()
	}
	return n.finishDelete(blobs)
}

// purgeExpired is list's lazy expiry: every row with expiration < now goes,
// durably, then their blobs.
func (n *Namespace) purgeExpired(nowMs int64) error {
	n.mu.Lock()
	due := n.nextExpiry != 0 && n.nextExpiry < nowMs
	n.mu.Unlock()
	if !due {
		return nil
	}
	blobs, err := n.deleteRows("DELETE FROM _mf_entries WHERE expiration < ? RETURNING key, blob_id", nowMs)
	if err != nil {
		return err
	}
	n.mu.Lock()
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
	n.mu.Unlock()
	return n.finishDelete(blobs)
}
