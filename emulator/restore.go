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
// (another arena-dev within its 1 ms freshness window, workerd at once).
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
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errClosed
	}
	if !n.blobDirMade {
		if err := os.MkdirAll(n.blobDir, 0o755); err != nil {
			return fmt.Errorf("creating KV blob folder: %w", err)
		}
		n.blobDirMade = true
	}
	// 1. The values, aside, under fresh ids.
	fresh := make([]string, 0, len(rows))
	committed := false
	defer func() {
		if !committed {
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
		id := newBlobID(now)
		if _, err := linkOrCopy(filepath.Join(dir, snapshotBlobs, r.blobID), filepath.Join(n.blobDir, id)); err != nil {
			return fmt.Errorf("snapshot %s: the value of key %q: %w", dir, r.key, err)
		}
		fresh = append(fresh, id)
	}
	// 2. The swap.
	old, err := n.swapRows(rows, fresh)
	if err != nil {
		return err
	}
	committed = true
	// 3. The index, then the replaced values.
	n.checkedAt.Store(0)
	reloadErr := n.reloadLocked()
	if reloadErr == nil {
		n.checkedAt.Store(monoNow())
	}
	for _, id := range old {
		n.removeBlob(id)
	}
	return reloadErr
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
	if _, err := n.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("restoring KV database %s: %w", n.dbPath, err)
	}
	committed = true
	return old, nil
}
