package kvlimits

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/sommelier-arena/arena-dev/internal/sqliteuri"
)

// File is the counts' database, relative to the persist root: a folder of
// arena-dev's own beside Miniflare's v3, never inside it.
const File = "arena-dev/kv-limits.sqlite"

// MaxRefusals bounds the refusals kept on disk; the oldest go first.
const MaxRefusals = 100

// Path is the counts' database of the persist root.
func Path(root string) string { return filepath.Join(root, filepath.FromSlash(File)) }

// Options tune a Limiter; the zero value is production KV's.
type Options struct {
	// Quotas replace the free plan's per-day quotas (zero fields keep them): a
	// test exhausts a quota of 3 instead of doing 1,000 writes.
	Quotas Quotas
	Now    func() time.Time // nil = time.Now
}

// Limiter counts and refuses KV operations of one persist root. Safe for
// concurrent use, and across processes (each operation is one transaction).
type Limiter struct {
	// armed: operations are counted and refused. A server's limiter starts
	// unarmed, so seeding and fixtures at start count nothing, and is armed once
	// it serves (Arm).
	armed  atomic.Bool
	db     *sql.DB
	path   string
	mode   Mode
	quotas Quotas
	now    func() time.Time
}

const schema = `
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (day TEXT NOT NULL, op TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (day, op));
CREATE TABLE IF NOT EXISTS key_writes (ns TEXT NOT NULL, key TEXT NOT NULL, at_ms INTEGER NOT NULL, PRIMARY KEY (ns, key));
CREATE TABLE IF NOT EXISTS refusals (seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, op TEXT NOT NULL,
  ns TEXT NOT NULL, key TEXT NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL, detail TEXT NOT NULL);`

// Start is what a server (up, serve) does at start: it records mode as the
// state's, so `kv` commands on the same state follow it, and returns the
// limiter, or nil for Off. Off creates nothing: a state without the file stays
// without it. The limiter admits everything uncounted until Arm: what the
// server writes before it serves (seeding, fixtures) is setup, not traffic.
func Start(root string, mode Mode, o Options) (*Limiter, error) {
	mode, err := ParseMode(string(mode)) // "" is Off
	if err != nil {
		return nil, err
	}
	if mode == Off {
		if _, err := os.Stat(Path(root)); err != nil {
			return nil, nil
		}
	}
	l, err := open(root, o, true)
	if err != nil {
		return nil, err
	}
	if _, err := l.db.Exec(`INSERT INTO settings (name, value) VALUES ('mode', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, string(mode)); err != nil {
		l.Close()
		return nil, fmt.Errorf("recording the KV limits mode in %s: %w", l.path, err)
	}
	l.mode = mode
	if mode == Off {
		return nil, l.Close()
	}
	return l, nil
}

// Attach is what a command sharing the state does (kv key put, the dashboard of
// another process): the limiter in the mode the state's last server started
// with, or nil when that is Off or no server ever enabled limits there.
func Attach(root string, o Options) (*Limiter, error) {
	l, err := Inspect(root, o)
	if l == nil || err != nil {
		return nil, err
	}
	if l.mode == Off {
		return nil, l.Close()
	}
	l.Arm()
	return l, nil
}

// Inspect opens the state's counts whatever the mode (`kv quota`), or returns
// nil when the state has none.
func Inspect(root string, o Options) (*Limiter, error) {
	if _, err := os.Stat(Path(root)); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	l, err := open(root, o, false)
	if err != nil {
		return nil, err
	}
	var m string
	err = l.db.QueryRow(`SELECT value FROM settings WHERE name = 'mode'`).Scan(&m)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		l.Close()
		return nil, fmt.Errorf("reading %s: %w", l.path, err)
	}
	if l.mode, err = ParseMode(m); err != nil {
		l.Close()
		return nil, fmt.Errorf("%s records the KV limits mode %w", l.path, err)
	}
	return l, nil
}

func open(root string, o Options, create bool) (*Limiter, error) {
	path := Path(root)
	mode := "rw"
	if create {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("creating the KV limits folder: %w", err)
		}
		mode = "rwc"
	}
	db, err := sql.Open("sqlite", sqliteuri.URI(path, url.Values{
		"mode":    {mode},
		"_txlock": {"immediate"}, // every transaction takes the write lock first: check and count are one step
		"_pragma": {"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)"},
	}))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Limiter{db: db, path: path, mode: Off, quotas: o.Quotas.withDefaults(), now: o.Now}, nil
}

// Arm starts counting and refusing. Nil-safe.
func (l *Limiter) Arm() {
	if l != nil {
		l.armed.Store(true)
	}
}

// Close closes the database. Nil-safe.
func (l *Limiter) Close() error {
	if l == nil {
		return nil
	}
	return l.db.Close()
}

// Mode is the enforced mode.
func (l *Limiter) Mode() Mode { return l.mode }

// Path is the counts' database file.
func (l *Limiter) Path() string { return l.path }

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// Ticket is an admitted write or delete: Done says whether it took effect, and
// gives back the count and the key's slot when it did not.
type Ticket struct {
	l        *Limiter
	day      string
	op       Op
	ns, key  string
	atMs     int64
	prevMs   int64 // the key's previous write, 0 = none within the window
	returned bool
}

// Count admits one read or list (key may be ""), counting it, or refuses it.
func (l *Limiter) Count(op Op, ns, key string) error {
	_, err := l.Begin(op, ns, key)
	return err
}

// Begin admits one operation, counting it, or refuses it with a *Refusal
// (recorded with the recent refusals). A write or delete also takes the key's
// one-a-second slot; call Done on its ticket once the operation ran.
func (l *Limiter) Begin(op Op, ns, key string) (*Ticket, error) {
	if !l.armed.Load() {
		return nil, nil // Done on a nil ticket does nothing
	}
	now := l.now()
	t := &Ticket{l: l, day: day(now), op: op, ns: ns, key: key, atMs: now.UnixMilli()}
	var refused *Refusal
	err := l.tx(func(tx *sql.Tx) error {
		if l.mode == Free {
			var n int64
			if err := tx.QueryRow(`SELECT n FROM counts WHERE day = ? AND op = ?`, t.day, string(op)).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if q := l.quotas.Of(op); n >= q {
				refused = refusal(now, op, ns, key, ReasonDailyQuota,
					fmt.Sprintf("the free plan's %d %ss of the UTC day %s are used up; KV refuses them until midnight UTC", q, op, t.day))
				return l.recordLocked(tx, refused)
			}
		}
		if op == Write || op == Delete {
			if _, err := tx.Exec(`DELETE FROM key_writes WHERE at_ms <= ?`, t.atMs-KeyWriteInterval.Milliseconds()); err != nil {
				return err
			}
			err := tx.QueryRow(`SELECT at_ms FROM key_writes WHERE ns = ? AND key = ?`, ns, key).Scan(&t.prevMs)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if t.prevMs != 0 {
				ago := time.Duration(t.atMs-t.prevMs) * time.Millisecond
				refused = refusal(now, op, ns, key, ReasonKeyRate,
					fmt.Sprintf("key %q was written %s ago; KV takes one write a second per key", key, ago))
				return l.recordLocked(tx, refused)
			}
			if _, err := tx.Exec(`INSERT INTO key_writes (ns, key, at_ms) VALUES (?, ?, ?) ON CONFLICT (ns, key) DO UPDATE SET at_ms = excluded.at_ms`, ns, key, t.atMs); err != nil {
				return err
			}
		}
		_, err := tx.Exec(`INSERT INTO counts (day, op, n) VALUES (?, ?, 1) ON CONFLICT (day, op) DO UPDATE SET n = n + 1`, t.day, string(op))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("counting a KV %s in %s: %w", op, l.path, err)
	}
	if refused != nil {
		return nil, refused
	}
	return t, nil
}

// Done ends an admitted operation. One that did not take effect (ok false:
// nothing was stored) gives its count and the key's slot back, so only writes
// that happened count, as in production.
func (t *Ticket) Done(ok bool) error {
	if t == nil || ok || t.returned {
		return nil
	}
	t.returned = true
	return t.l.tx(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE counts SET n = n - 1 WHERE day = ? AND op = ? AND n > 0`, t.day, string(t.op)); err != nil {
			return err
		}
		if t.op == Write || t.op == Delete {
			if _, err := tx.Exec(`DELETE FROM key_writes WHERE ns = ? AND key = ? AND at_ms = ?`, t.ns, t.key, t.atMs); err != nil {
				return err
			}
		}
		return nil
	})
}

// recordLocked keeps a refusal with the recent ones, dropping the oldest.
func (l *Limiter) recordLocked(tx *sql.Tx, r *Refusal) error {
	res, err := tx.Exec(`INSERT INTO refusals (at_ms, op, ns, key, reason, message, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		r.Time.UnixMilli(), string(r.Op), r.Namespace, r.Key, r.Reason, r.Message, r.Detail)
	if err != nil {
		return err
	}
	if r.Seq, err = res.LastInsertId(); err != nil {
		return err
	}
	_, err = tx.Exec(`DELETE FROM refusals WHERE seq <= ?`, r.Seq-MaxRefusals)
	return err
}

// tx runs fn in one immediate transaction.
func (l *Limiter) tx(fn func(*sql.Tx) error) error {
	tx, err := l.db.BeginTx(context.Background(), nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Add adds n operations of op to today's count without doing them: what
// `kv quota` tests and imports of usage use to start from a known count.
func (l *Limiter) Add(op Op, n int64) error {
	return l.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO counts (day, op, n) VALUES (?, ?, ?) ON CONFLICT (day, op) DO UPDATE SET n = n + excluded.n`, day(l.now()), string(op), n)
		return err
	})
}

// Reset forgets every count, every key's last write and the refusals.
func (l *Limiter) Reset() error {
	return l.tx(func(tx *sql.Tx) error {
		for _, t := range []string{"counts", "key_writes", "refusals"} {
			if _, err := tx.Exec(`DELETE FROM ` + t); err != nil {
				return fmt.Errorf("clearing %s: %w", l.path, err)
			}
		}
		return nil
	})
}
