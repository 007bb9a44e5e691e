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

	_ "modernc.org/sqlite" // pure-Go SQLite: CGO_ENABLED=0 builds
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
func checkSQLiteFile(path string) (exists bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("KV database %s is not a regular file; refusing to touch it", path)
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
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
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, nil, fmt.Errorf("creating KV database folder: %w", err)
		}
		mode = "rwc"
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: url.Values{
		"mode":          {mode},
		"_busy_timeout": {fmt.Sprint(busyTimeoutMs)},
	}.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("opening KV database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
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
	var hasTable int
	err = conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_mf_entries'`).Scan(&hasTable)
	if err != nil {
		return fail(fmt.Errorf("KV database %s can't be read (%v); refusing to modify it", path, err))
	}
	if hasTable == 0 {
		var objects int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&objects); err != nil {
			return fail(fmt.Errorf("KV database %s can't be read: %w", path, err))
		}
		if objects > 0 {
			return fail(fmt.Errorf("KV database %s has no _mf_entries table (not a Miniflare KV namespace); refusing to modify it", path))
		}
		// A brand-new (or empty) database: make it exactly what Miniflare makes.
		var jm string
		if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&jm); err != nil {
			return fail(fmt.Errorf("creating KV database %s: %w", path, err))
		}
		if _, err := conn.ExecContext(ctx, schema); err != nil {
			return fail(fmt.Errorf("creating KV database %s: %w", path, err))
		}
	}
	return db, conn, nil
}
