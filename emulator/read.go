package emulator

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// maxReadTries bounds how many versions of one key a read chases. Each retry
// means a writer committed a new version of that very key and removed the blob
// we were about to read, between our row read and our file read; a read takes
// microseconds and a write at least one fsync, so two or three tries are the
// norm even under a write storm. The bound only stops a livelock.
const maxReadTries = 100

// ChangingError is a read that gave up because the key kept being rewritten
// faster than it could be read.
type ChangingError struct {
	Key   string
	Tries int
}

func (e *ChangingError) Error() string {
	return fmt.Sprintf("KV key %q kept changing while being read: %d versions in a row were replaced (and their blob removed) before their blob could be read", e.Key, e.Tries)
}

// testHookBlobRead, when set (tests only), runs just before a read opens a blob
// file: the moment another writer can replace the row and remove that blob.
var testHookBlobRead func(path string)

// queryRow reads key's row from the database itself, not the index: nil when
// there is none.
func (n *Namespace) queryRow(key string) (*row, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, errClosed
	}
	var (
		blob string
		exp  sql.NullInt64
		meta sql.NullString
	)
	err := n.conn.QueryRowContext(context.Background(), "SELECT blob_id, expiration, metadata FROM _mf_entries WHERE key = ?", key).Scan(&blob, &exp, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading KV database %s: %w", n.dbPath, err)
	}
	return n.rowFromDB(key, blob, exp, meta), nil
}

// readFromDB returns key's current row and value, consistent with each other:
// (nil, nil, nil) when the key does not exist. An expired row is returned without
// its value (the caller applies its own expiry rule).
//
// Writers write the new blob before committing the row and remove the old blob
// only after, and blob ids are never reused. So a blob missing while its row is
// current means the row was replaced in between: read the row again. Only when
// two row reads in a row name the same blob and the file is absent is the blob
// really missing (a crash, a hand edit), and only then is it reported.
func (n *Namespace) readFromDB(key string) (*row, []byte, error) {
	prev := ""
	for try := 0; try < maxReadTries; try++ {
		r, err := n.queryRow(key)
		if err != nil || r == nil {
			return nil, nil, err
		}
		if err := r.unreadable(); err != nil {
			return nil, nil, err
		}
		if r.expired(n.nowMs()) {
			return r, nil, nil
		}
		path := filepath.Join(n.blobDir, r.BlobID)
		if testHookBlobRead != nil {
			testHookBlobRead(path)
		}
		v, err := readBlob(path)
		if err == nil {
			return r, v, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("KV key %q can't be read: %w", key, err)
		}
		if r.BlobID == prev {
			return nil, nil, fmt.Errorf("KV key %q can't be read: %w: %s", key, errBlobMissing, path)
		}
		prev = r.BlobID
	}
	return nil, nil, &ChangingError{Key: key, Tries: maxReadTries}
}
