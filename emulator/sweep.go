package emulator

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"
)

// orphanGrace is how old an unreferenced blob file must be before the sweep at
// open removes it. A blob is legitimately unreferenced between its write and its
// row's commit: a writer writes (and fsyncs) the file first, then waits for the
// write lock, at most busyTimeoutMs (5 s) here and not at all in workerd, and
// commits. Ten minutes is over a hundred times that window, so only a writer
// frozen for ten minutes mid-put (stopped in a debugger, SIGSTOP) could lose its
// value, while files left by a crash (kill -9, power loss) between blob and row,
// or before the old blob's removal, are reclaimed at the first open ten minutes on.
const orphanGrace = 10 * time.Minute

// sweepOrphans removes blob files that no row references and that are older than
// orphanGrace (by both the file's mtime and the time in its id, the later one).
// Only names that are well-formed blob ids are considered: nothing else in the
// folder is ours to touch. It is best effort: a failure leaves files behind for a
// later open and never fails the open. It returns how many files it removed.
// Called under mu.
func (n *Namespace) sweepOrphans() int {
	// List the folder before reading the rows: a blob written after the row read
	// can then only be one listed before it, hence old, hence not a live writer's.
	ents, err := os.ReadDir(n.blobDir)
	if err != nil {
		return 0
	}
	cutoff := n.store.now().Add(-orphanGrace)
	var old []string
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !validBlobID(name) || !blobIDTime(name).Before(cutoff) {
			continue
		}
		if info, err := e.Info(); err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		old = append(old, name)
	}
	if len(old) == 0 {
		return 0
	}
	live, err := n.referencedBlobs()
	if err != nil {
		return 0
	}
	removed := 0
	for _, id := range old {
		if !live[id] && os.Remove(filepath.Join(n.blobDir, id)) == nil {
			removed++
		}
	}
	return removed
}

// referencedBlobs is the set of blob ids the database's rows name right now.
func (n *Namespace) referencedBlobs() (map[string]bool, error) {
	rows, err := n.conn.QueryContext(context.Background(), "SELECT blob_id FROM _mf_entries")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	live := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		live[id] = true
	}
	return live, rows.Err()
}

// blobIDTime is the millisecond timestamp in a well-formed blob id's last 16 hex
// digits.
func blobIDTime(id string) time.Time {
	b, _ := hex.DecodeString(id[64:])
	return time.UnixMilli(int64(binary.BigEndian.Uint64(b)))
}
