package emulator

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// RestoreSnapshot makes the namespace's contents exactly the snapshot in dir
// (see SaveSnapshot), while it keeps serving. The in-memory index is rebuilt at
// once; other processes on the same files see the change at their next read
// (at their next read: see Namespace.refresh).
//
// Why no reader, in this process or another, ever sees a half-restored state:
//  1. the snapshot's values are linked (or copied) into the live blobs folder
//     first, under fresh blob ids that no row names yet: invisible to readers,
//     and out of reach of other writers, which only remove blobs their own
//     rows replaced (and of the orphan sweep, whose grace is ten minutes);
//  2. the swap is one SQLite write transaction, DELETE every row then INSERT
//     the snapshot's rows: SQLite readers see either all the old rows or all the
//     new ones, never a mix (WAL snapshot isolation);
//  3. the old rows' blobs are removed only after the commit, as a put removes
//     the blob it replaced; a reader still holding an old row finds its blob
//     gone and reads the row again (readFromDB), as after any put.
//
// A crash before the commit leaves the old state and unreferenced new files
// (swept later); after it, the new state and unreferenced old files.
func (n *Namespace) RestoreSnapshot(dir string) error {
	rows, err := readSnapshotRows(filepath.Join(dir, snapshotDB))
	if err != nil {
		return err
	}
	if n.isClosed.Load() {
		return errClosed
	}
	if err := n.makeBlobDir(); err != nil {
		return err
	}
	// 1. The values, aside, under fresh ids, durably (file and folder).
	fresh := make([]string, 0, len(rows))
	keep := false // the fresh files stay: a row may name them
	defer func() {
		if !keep {
			for _, id := range fresh {
				os.Remove(filepath.Join(n.blobDir, id))
			}
		}
	}()
	now := n.store.now()
	for _, r := range rows {
		if !validBlobID(r.blobID) {
			return fmt.Errorf("snapshot %s: key %q has the blob_id %q, not an 80-hex-digit Miniflare blob id", dir, r.key, r.blobID)
		}
		if err := fault(StepBlobWrite); err != nil {
			return fmt.Errorf("snapshot %s: the value of key %q: %w", dir, r.key, err)
		}
		id := newBlobID(now)
		if _, err := linkOrCopy(filepath.Join(dir, snapshotBlobs, r.blobID), filepath.Join(n.blobDir, id)); err != nil {
			return fmt.Errorf("snapshot %s: the value of key %q: %w", dir, r.key, err)
		}
		fresh = append(fresh, id)
	}
	err = fault(StepBlobDirSync)
	if err == nil {
		err = syncPath(n.blobDir)
	}
	if err != nil {
		return fmt.Errorf("restoring KV namespace from %s: syncing the blobs folder: %w", dir, err)
	}
	// 2. The swap, and the index rebuilt from it.
	old, reloadErr, err := n.swapAndReload(rows, fresh)
	if err != nil {
		keep = n.anyReferenced(fresh) // the commit's fate is unknown
		return err
	}
	keep = true
	// 3. Durable, and only then the replaced values go.
	if err := n.syncCommit(); err != nil {
		return err
	}
	for _, id := range old {
		n.removeBlob(id)
	}
	n.checkpointIfDue()
	return reloadErr
}

// swapAndReload is swapRows, then the index rebuilt, under mu. Any failure
// marks the index invalid.
func (n *Namespace) swapAndReload(rows []snapRow, fresh []string) (old []string, reloadErr, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, nil, errClosed
	}
	if old, err = n.swapRows(rows, fresh); err != nil {
		n.invalidateLocked()
		return nil, nil, err
	}
	if reloadErr = n.reloadLocked(); reloadErr != nil {
		n.invalidateLocked()
	}
	return old, reloadErr, nil
}

// anyReferenced: a row names one of ids, or the rows can't be read (then the
// files must stay too).
func (n *Namespace) anyReferenced(ids []string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return true
	}
	live, err := n.referencedBlobs()
	if err != nil {
		return true
	}
	for _, id := range ids {
		if live[id] {
			return true
		}
	}
	return false
}

// swapRows replaces every row with rows (their blobs under ids) in one write
// transaction and returns the blob ids the old rows named. Called under mu.
func (n *Namespace) swapRows(rows []snapRow, ids []string) (old []string, err error) {
	ctx := context.Background()
	if _, err := n.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, fmt.Errorf("restoring KV database %s: %w", n.dbPath, err)
	}
	committed := false
	defer func() {
		if !committed {
			n.conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	rs, err := n.conn.QueryContext(ctx, "DELETE FROM _mf_entries RETURNING blob_id")
	if err != nil {
		return nil, fmt.Errorf("restoring KV database %s: %w", n.dbPath, err)
	}
	for rs.Next() {
		var id string
		if err := rs.Scan(&id); err != nil {
			rs.Close()
			return nil, fmt.Errorf("restoring KV database %s: %w", n.dbPath, err)
		}
		old = append(old, id)
	}
	if err := rs.Close(); err != nil {
		return nil, fmt.Errorf("restoring KV database %s: %w", n.dbPath, err)
	}
	for i, r := range rows {
		if _, err := n.conn.ExecContext(ctx, "INSERT INTO _mf_entries (key, blob_id, expiration, metadata) VALUES (?, ?, ?, ?)", r.key, ids[i], r.exp, r.meta); err != nil {
			return nil, fmt.Errorf("restoring KV database %s: key %q: %w", n.dbPath, r.key, err)
		}
	}
	if err := n.commit(ctx); err != nil {
		return nil, err
	}
	committed = true
	return old, nil
}
