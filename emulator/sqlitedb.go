package emulator

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // pure-Go SQLite: CGO_ENABLED=0 builds
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sommelier-arena/arena-dev/internal/sqliteuri"
)

// schema is Miniflare's, verbatim, so either side can create the database.
const schema = `
CREATE TABLE IF NOT EXISTS _mf_entries (
  key TEXT PRIMARY KEY,
  blob_id TEXT NOT NULL,
  expiration INTEGER,
  metadata TEXT
);
CREATE INDEX IF NOT EXISTS _mf_entries_expiration_idx ON _mf_entries(expiration);
`

// busyTimeoutMs bounds how long a write waits for another process's write lock.
// workerd sets none and keeps its transactions tiny, so waits are short.
const busyTimeoutMs = 5000

var sqliteMagic = []byte("SQLite format 3\x00")

// checkSQLiteFile refuses, naming the file, anything that exists but is not an
// SQLite database. A zero-length file is accepted: in WAL mode all data can sit in
// the -wal file before the first checkpoint.
//
// The file is read through a held descriptor (see heldFile): another namespace
// of this process may have it open, and closing a descriptor of our own would
// drop its connection's locks.
func checkSQLiteFile(path string) (exists bool, err error) {
	notRegular := fmt.Errorf("KV database %s is not a regular file; refusing to touch it", path)
	f, err := holdFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if errors.Is(err, errSkipSync) { // Windows: a folder is not opened to be synced
		return false, notRegular
	}
	if err != nil {
		return false, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	defer releaseFile(path)
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return false, notRegular
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(io.NewSectionReader(f, 0, int64(len(head))), head)
	if n == 0 {
		return true, nil
	}
	if err != nil || !bytes.Equal(head, sqliteMagic) {
		return false, fmt.Errorf("KV database %s is not an SQLite database; refusing to open or overwrite it", path)
	}
	return true, nil
}

// openDB opens (or, when missing, creates with Miniflare's schema in WAL mode) the
// namespace's database on one dedicated connection, so that PRAGMA data_version
// always answers for the connection that reads.
func openDB(path string) (*sql.DB, *sql.Conn, error) {
	exists, err := checkSQLiteFile(path)
	if err != nil {
		return nil, nil, err
	}
	mode := "rw"
	if !exists {
		if err := makeDurableDir(filepath.Dir(path)); err != nil {
			return nil, nil, fmt.Errorf("creating KV database folder: %w", err)
		}
		mode = "rwc"
	}
	db, err := sql.Open("sqlite", sqliteuri.URI(path, url.Values{
		"mode":          {mode},
		"_busy_timeout": {fmt.Sprint(busyTimeoutMs)},
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	db.SetMaxOpenConns(2) // the namespace's connection and the checkpointer's
	db.SetMaxIdleConns(2)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	fail := func(err error) (*sql.DB, *sql.Conn, error) {
		conn.Close()
		db.Close()
		return nil, nil, err
	}
	if err := ensureSchema(ctx, conn, path); err != nil {
		return fail(err)
	}
	// synchronous=NORMAL: a commit appends to the WAL and releases the write lock
	// without waiting for the disk; write then fsyncs the WAL itself, after the
	// lock is released and before the write is acknowledged (see syncCommit).
	// Under FULL the fsync ran inside the lock, and workerd, which has no busy
	// timeout, failed every put that came in during it.
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
		return fail(fmt.Errorf("opening KV database %s: %w", path, err))
	}
	// No checkpoint inside this connection's commits (they run under mu): the
	// checkpointer runs them on its own connection (see checkpointer).
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = 0"); err != nil {
		return fail(fmt.Errorf("opening KV database %s: %w", path, err))
	}
	return db, conn, nil
}

// ensureSchema checks that the database is a Miniflare KV namespace and, when it is
// brand new (no schema objects at all), makes it one: WAL mode, then the schema.
// Several processes may do this at once on the same new file, so the schema is
// created in one BEGIN IMMEDIATE transaction that checks again under the write
// lock: exactly one creates it and the others find it done, never half made.
func ensureSchema(ctx context.Context, conn *sql.Conn, path string) error {
	var has bool
	var objects int
	err := retryBusy(func() (err error) {
		has, objects, err = schemaState(ctx, conn)
		return err
	})
	if err != nil {
		if werr := dirWritable(filepath.Dir(path)); werr != nil {
			// SQLite says only "unable to open database file" when it cannot
			// create the -wal and -shm files next to the database.
			return fmt.Errorf("KV database %s: its directory is not writable (%v)", path, werr)
		}
		return fmt.Errorf("KV database %s can't be read (%v); refusing to modify it", path, err)
	}
	if has {
		return nil
	}
	if objects > 0 {
		return foreignDBError(path)
	}
	// Switching to WAL needs a moment with no other connection in a transaction;
	// SQLite answers SQLITE_BUSY at once when it can't (the busy timeout does not
	// always apply), so retry within the same bound as every other wait.
	err = retryBusy(func() error {
		var jm string
		return conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&jm)
	})
	if err != nil {
		return fmt.Errorf("creating KV database %s: switching it to WAL mode: %w", path, err)
	}
	err = retryBusy(func() (err error) {
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				conn.ExecContext(ctx, "ROLLBACK")
			}
		}()
		has, objects, err := schemaState(ctx, conn)
		switch {
		case err != nil:
			return err
		case has:
			// another process created it first
		case objects > 0:
			return foreignDBError(path)
		default:
			if _, err := conn.ExecContext(ctx, schema); err != nil {
				return err
			}
		}
		_, err = conn.ExecContext(ctx, "COMMIT")
		return err
	})
	if err != nil && !errors.Is(err, errForeignDB) {
		return fmt.Errorf("creating KV database %s: %w", path, err)
	}
	return err
}

var errForeignDB = errors.New("not a Miniflare KV namespace")

func foreignDBError(path string) error {
	return fmt.Errorf("KV database %s has no _mf_entries table (%w); refusing to modify it", path, errForeignDB)
}

// schemaState reports whether _mf_entries exists and how many schema objects there are.
func schemaState(ctx context.Context, conn *sql.Conn) (has bool, objects int, err error) {
	var tables int
	err = conn.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE type = 'table' AND name = '_mf_entries'), count(*) FROM sqlite_master`).Scan(&tables, &objects)
	return tables > 0, objects, err
}

// isBusy reports SQLITE_BUSY and SQLITE_LOCKED, extended codes included.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code() & 0xff
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

// retryBusy runs op until it does not fail with SQLITE_BUSY, for at most the busy
// timeout, backing off from 1 ms to 50 ms between tries.
func retryBusy(op func() error) error {
	deadline := time.Now().Add(busyTimeoutMs * time.Millisecond)
	wait := time.Millisecond
	for {
		err := op()
		if !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait) // backoff between retries of a busy lock, not a readiness wait
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// dirWritable creates and removes a file in dir: the error says why it cannot
// (a read-only file system, permissions, a full disk).
func dirWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".arena-dev-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
