package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/sqliteuri"
)

// A snapshot folder holds a consistent copy of one namespace: the `_mf_entries`
// table as a standalone SQLite file (VACUUM INTO), one file per value under
// blobs/ (hard links to the live blobs when the folders share a file system:
// a blob never changes under its id, so sharing its inode is safe), and a
// manifest.
const (
	snapshotDB       = "kv.sqlite"
	snapshotBlobs    = "blobs"
	snapshotManifest = "snapshot.json"
)

// SnapshotInfo is a snapshot's manifest.
type SnapshotInfo struct {
	Namespace string    `json:"namespace"`
	Created   time.Time `json:"created"`
	Keys      int       `json:"keys"`
	Bytes     int64     `json:"bytes"` // of the values
}

// maxSnapshotTries bounds how often a snapshot starts again because another
// process replaced a key (and removed its old blob) between the database copy
// and the blob links. Each retry is somebody else's committed write.
const maxSnapshotTries = 50

// SaveSnapshot writes a consistent copy of the namespace into dir, which must
// not exist yet; the namespace keeps serving reads and writes meanwhile. The
// copy is built in a sibling folder and renamed into place, so dir is either
// absent or complete.
//
// Why it is consistent: VACUUM INTO copies the rows inside one read transaction,
// a single point in time of the database whoever writes it. The values are then
// linked by the blob ids those rows name. This process's writers are held off
// (n.mu) until every blob is linked; another process's write may still replace a
// key and remove the blob our copy names, and then the link fails with "not
// exist": the copy is dropped and taken again at a newer point in time.
func (n *Namespace) SaveSnapshot(dir string) (SnapshotInfo, error) {
	if _, err := os.Lstat(dir); err == nil {
		return SnapshotInfo{}, fmt.Errorf("snapshot folder %s already exists", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return SnapshotInfo{}, fmt.Errorf("creating the snapshot folder: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("creating the snapshot folder: %w", err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	var info SnapshotInfo
	for try := 0; ; try++ {
		var raced bool
		info, raced, err = n.copyInto(tmp)
		if err != nil {
			return SnapshotInfo{}, err
		}
		if !raced {
			break
		}
		if try == maxSnapshotTries {
			return SnapshotInfo{}, fmt.Errorf("snapshot of KV namespace %s: gave up after %d tries, another process kept replacing keys during the copy", n.id, try+1)
		}
	}
	m, _ := json.MarshalIndent(info, "", "  ")
	if err := writeFileSync(filepath.Join(tmp, snapshotManifest), append(m, '\n')); err != nil {
		return SnapshotInfo{}, err
	}
	if err := syncPath(filepath.Join(tmp, snapshotBlobs)); err != nil {
		return SnapshotInfo{}, err
	}
	if err := syncPath(tmp); err != nil {
		return SnapshotInfo{}, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return SnapshotInfo{}, fmt.Errorf("snapshot folder %s: %w", dir, err)
	}
	done = true
	syncPath(filepath.Dir(dir)) //nolint:errcheck // the snapshot is complete either way
	return info, nil
}

// copyInto makes one attempt at the copy in tmp; raced reports that a blob went
// away under it (the caller tries again).
func (n *Namespace) copyInto(tmp string) (info SnapshotInfo, raced bool, err error) {
	dbPath := filepath.Join(tmp, snapshotDB)
	blobs := filepath.Join(tmp, snapshotBlobs)
	for _, p := range []string{dbPath, blobs} {
		if err := os.RemoveAll(p); err != nil {
			return info, false, err
		}
	}
	if err := os.Mkdir(blobs, 0o755); err != nil {
		return info, false, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return info, false, errClosed
	}
	ctx := context.Background()
	if _, err := n.conn.ExecContext(ctx, "VACUUM INTO ?", dbPath); err != nil {
		return info, false, fmt.Errorf("snapshot of KV database %s: %w", n.dbPath, err)
	}
	rows, err := readSnapshotRows(dbPath)
	if err != nil {
		return info, false, err
	}
	info = SnapshotInfo{Namespace: n.id, Created: n.store.now().UTC(), Keys: len(rows)}
	for _, r := range rows {
		if !validBlobID(r.blobID) {
			return info, false, fmt.Errorf("snapshot of KV namespace %s: key %q has the blob_id %q, not an 80-hex-digit Miniflare blob id", n.id, r.key, r.blobID)
		}
		size, err := linkOrCopy(filepath.Join(n.blobDir, r.blobID), filepath.Join(blobs, r.blobID))
		if errors.Is(err, os.ErrNotExist) {
			return info, true, nil
		}
		if err != nil {
			return info, false, fmt.Errorf("snapshot of KV key %q: %w", r.key, err)
		}
		info.Bytes += size
	}
	if err := syncPath(dbPath); err != nil {
		return info, false, err
	}
	return info, false, nil
}

// ReadSnapshotInfo reads the manifest of the snapshot in dir.
func ReadSnapshotInfo(dir string) (SnapshotInfo, error) {
	var info SnapshotInfo
	b, err := os.ReadFile(filepath.Join(dir, snapshotManifest))
	if err != nil {
		return info, fmt.Errorf("snapshot %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("snapshot %s: its %s is not valid: %w", dir, snapshotManifest, err)
	}
	return info, nil
}

// snapRow is one `_mf_entries` row of a snapshot.
type snapRow struct {
	key, blobID string
	exp         sql.NullInt64
	meta        sql.NullString
}

// readSnapshotRows reads every row of a snapshot database, read-only.
func readSnapshotRows(path string) ([]snapRow, error) {
	if ok, err := checkSQLiteFile(path); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("snapshot database %s is missing", path)
	}
	db, err := sql.Open("sqlite", sqliteuri.URI(path, url.Values{"mode": {"ro"}}))
	if err != nil {
		return nil, fmt.Errorf("opening snapshot database %s: %w", path, err)
	}
	defer db.Close()
	rs, err := db.Query("SELECT key, blob_id, expiration, metadata FROM _mf_entries ORDER BY key")
	if err != nil {
		return nil, fmt.Errorf("reading snapshot database %s: %w", path, err)
	}
	defer rs.Close()
	var out []snapRow
	for rs.Next() {
		var r snapRow
		if err := rs.Scan(&r.key, &r.blobID, &r.exp, &r.meta); err != nil {
			return nil, fmt.Errorf("reading snapshot database %s: %w", path, err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("reading snapshot database %s: %w", path, err)
	}
	return out, nil
}

// linkOrCopy makes dst the same bytes as src: a hard link where the platform
// links blobs (hardLinkBlobs), or on another file system (EXDEV) or one without
// links, or elsewhere, a copy, fsynced. It returns the size.
func linkOrCopy(src, dst string) (int64, error) {
	st, err := os.Stat(src)
	if err != nil {
		return 0, err
	}
	if hardLinkBlobs {
		err = os.Link(src, dst)
		if err == nil {
			return st.Size(), nil
		}
		var le *os.LinkError
		if !errors.As(err, &le) || !(errors.Is(le.Err, syscall.EXDEV) || errors.Is(le.Err, syscall.EPERM) || errors.Is(le.Err, syscall.ENOTSUP)) {
			return 0, err
		}
	}
	in, err := openBlob(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, werr := io.Copy(out, in)
	if err := errors.Join(werr, out.Sync(), out.Close()); err != nil {
		os.Remove(dst)
		return 0, err
	}
	return n, nil
}

func writeFileSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	return errors.Join(werr, f.Sync(), f.Close())
}

// syncPath fsyncs a file or a folder (its entries).
func syncPath(path string) error {
	f, err := openForSync(path)
	if errors.Is(err, errSkipSync) {
		return nil
	}
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}
