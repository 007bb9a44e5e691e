package emulator

import (
	"context"
	"database/sql"
	"sync"
)

// walCheckpointFrames is how many frames the WAL may hold before a writer
// checkpoints it: SQLite's own autocheckpoint threshold.
const walCheckpointFrames = 1000

// checkpointer checkpoints the WAL on a connection of its own, after a write's
// acknowledgement is durable and outside mu. The namespace's connection has
// autocheckpoint off: SQLite would otherwise run the checkpoint, and its fsyncs,
// inside a COMMIT, under mu, and every read that needs a revalidation would wait
// for the disk. A checkpoint is not a commit, so it does not move the main
// connection's data_version.
type checkpointer struct {
	mu     sync.Mutex
	db     *sql.DB
	conn   *sql.Conn
	closed bool
}

func newCheckpointer(db *sql.DB) *checkpointer { return &checkpointer{db: db} }

// run checkpoints unless a checkpoint is already running. Best effort: a
// failure (another process's reader holding frames, a busy lock) leaves the
// frames for the next one, as SQLite's autocheckpoint does.
func (c *checkpointer) run() {
	if !c.mu.TryLock() {
		return
	}
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	ctx := context.Background()
	if c.conn == nil {
		conn, err := c.db.Conn(ctx)
		if err != nil {
			return
		}
		c.conn = conn
	}
	c.conn.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)") //nolint:errcheck // best effort, see above
}

func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}
