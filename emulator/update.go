package emulator

import "fmt"

// UpdateFunc computes a key's next value from its current entry, nil when the key
// is absent or expired. It may be called more than once (each time with a newer
// entry, when another writer got in first), so it must not have effects beyond
// its result. An error from it ends the update with nothing written and is
// returned as is.
type UpdateFunc func(cur *Entry) (value []byte, o PutOptions, err error)

// maxUpdateTries bounds how often an update is recomputed because another writer
// committed the key first. Every failed try is somebody else's successful write,
// so the system as a whole always progresses; the bound only keeps one caller
// from starving forever behind a write storm.
const maxUpdateTries = 100

// ContentionError is an update that lost the race for its key maxUpdateTries
// times in a row.
type ContentionError struct {
	Key   string
	Tries int
}

func (e *ContentionError) Error() string {
	return fmt.Sprintf("KV key %q: update gave up after %d tries, another writer changed the key before each could commit", e.Key, e.Tries)
}

// Update is a read-modify-write of key that never overwrites a version it did not
// see, whoever wrote it (this process, another arena-dev, a Worker under
// Miniflare). It reads the current row and value from the database (not the
// index), calls fn, writes the new blob, and commits the row only if, inside the
// BEGIN IMMEDIATE write transaction, the row's blob_id is still the one fn saw;
// otherwise it drops its blob and starts again from the new version.
//
// Why optimistic rather than holding the write lock across the whole
// read-modify-write: the lock is then held for the row statements and their
// commit only, never across fn, the value's read or the blob's fsync. workerd
// sets no busy timeout, so every millisecond the lock is held is a window in
// which a Worker's put fails with HTTP 500. The compare in the transaction gives
// the same guarantee as holding the lock.
func (n *Namespace) Update(key string, fn UpdateFunc) (PutResult, error) {
	if err := validateKey(opPut, key); err != nil {
		return PutResult{}, err
	}
	for try := 0; try < maxUpdateTries; try++ {
		r, value, err := n.readFromDB(key)
		if err != nil {
			return PutResult{}, err
		}
		var cur *Entry
		seen := "" // the version fn is based on: "" = no row
		if r != nil {
			seen = r.BlobID
			if !r.expired(n.nowMs()) {
				cur = &Entry{Key: key, Value: value, Expiration: r.ExpirationMs / 1000, Metadata: r.Metadata, Version: r.BlobID}
			}
		}
		next, o, err := fn(cur)
		if err != nil {
			return PutResult{}, err
		}
		p, err := n.preparePut(key, next, o)
		if err != nil {
			return PutResult{}, err
		}
		res, ok, err := n.write(p, &seen)
		if err != nil || ok {
			return res, err
		}
	}
	return PutResult{}, &ContentionError{Key: key, Tries: maxUpdateTries}
}
