// Package emulator is an in-process Cloudflare KV emulator whose files on disk are
// Miniflare's own (`.wrangler/state/v3/kv`): one `_mf_entries` SQLite database per
// namespace at Miniflare's hashed path, and one blob file per value. A project can
// switch between `wrangler dev` and arena-dev and keep every key, and both can run
// on the same files at once.
//
// Reads are served from an in-memory go-memdb index of the rows (values are cached
// beside them), kept in step with other processes' commits through SQLite's
// `PRAGMA data_version`. Writes follow Miniflare's order: blob file (fsynced), then
// one short `INSERT OR REPLACE` transaction, then the old blob is removed. Update
// is a conditional read-modify-write: it commits only over the version it read,
// checked inside that transaction, so it never loses another writer's commit.
// A read that finds its blob replaced follows the row until row and blob agree.
// Opening a namespace removes blob files no row references, past a grace period.
//
// Limits, error texts, lazy expiry, UTF-8 byte ordering and base64 cursors are
// Miniflare 3's (see docs/kv.md and the shared kv-local-format notes).
package emulator
