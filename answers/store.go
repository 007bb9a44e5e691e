package answers

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// KV is the part of *emulator.Namespace the API uses. The server depends on this
// interface; the tests run it against the real emulator.
type KV interface {
	GetWithMetadata(key string) (*emulator.Entry, error)
	// Update is a conditional read-modify-write: it never overwrites a version its
	// function did not see (see emulator.Namespace.Update).
	Update(key string, fn emulator.UpdateFunc) (emulator.PutResult, error)
}

// Store reads and writes category lists. A write is a read-modify-write of the
// category key through KV.Update, which commits only over the version it read,
// whichever process wrote it: no arena-dev ever loses another's write. A writer
// that does not take that care (a Worker under wrangler dev does get, then put)
// can still overwrite an arena-dev write; the next write to that category notices
// (see lostLocked), logs a warning naming it and counts it (LostWrites).
type Store struct {
	kv     KV
	meter  *Meter
	log    zerolog.Logger
	shared *nsState
}

// nsState is shared by every Store over the same namespace in this process (the
// server's, a seeding's).
type nsState struct {
	mu     sync.Mutex           // serialises updates here, so they don't retry against each other
	last   map[Category]written // this process's last write of each category (under mu)
	lost   atomic.Int64         // detected overwrites of our writes by another writer
	events lostLog              // the latest of them, with the entries lost
	// refused are the API's operations KV refused (--kv-limits): not lost updates.
	refused refusedLog
}

// written is what this process last stored in a category: the version, and the
// entries that write added or changed (what a careless writer would lose).
type written struct {
	version string
	changed []Entry
}

// states holds one nsState per namespace.
var states sync.Map // KV -> *nsState

// NewStore wraps kv; meter may be nil (no counting).
func NewStore(kv KV, meter *Meter, log zerolog.Logger) *Store {
	sh := &nsState{last: map[Category]written{}}
	if t := reflect.TypeOf(kv); t != nil && t.Comparable() {
		l, _ := states.LoadOrStore(kv, sh)
		sh = l.(*nsState)
	}
	return &Store{kv: kv, meter: meter, log: log, shared: sh}
}

// LostWrites counts the writes of this process (to this namespace) that another
// writer was seen to have overwritten without including them. It only grows.
func (st *Store) LostWrites() int64 { return st.shared.lost.Load() }

// Snapshot is a category as read: its entries, the KV version (blob id, "" when
// the key is absent) and whether the key exists at all.
type Snapshot struct {
	List    []Entry
	Version string
	Exists  bool
}

// ETag is the entity tag of the category's canonical JSON.
func (s Snapshot) ETag() string { return ETag(EncodeList(s.List)) }

// Read loads one category. A missing key is an empty, non-existent list; a value
// that is not a list of answers is an error (500 corrupt_data in the API).
func (st *Store) Read(cat Category) (Snapshot, error) {
	if err := st.meter.Read(cat.Key()); err != nil {
		return Snapshot{}, st.refused(err)
	}
	e, err := st.kv.GetWithMetadata(cat.Key())
	if errors.Is(err, emulator.ErrNotFound) {
		return Snapshot{List: []Entry{}}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading KV key %q: %w", cat.Key(), err)
	}
	return snapshotOf(cat, e)
}

// snapshotOf decodes an entry (nil = absent) as a category.
func snapshotOf(cat Category, e *emulator.Entry) (Snapshot, error) {
	if e == nil {
		return Snapshot{List: []Entry{}}, nil
	}
	list, err := DecodeList(cat.Key(), e.Value)
	if err != nil {
		return Snapshot{}, &Error{Status: 500, Code: "corrupt_data", Message: err.Error()}
	}
	return Snapshot{List: list, Version: e.Version, Exists: true}, nil
}

// ErrNoChange, returned by an Update function, ends the update without a write.
var ErrNoChange = errors.New("no change")

// Update runs a read-modify-write of one category. fn gets the current snapshot,
// read inside the conditional write, and returns the new list; an error from fn
// (an *Error for API failures, or ErrNoChange) means nothing is written. fn may
// run again with a newer snapshot when another process wrote the category
// meanwhile: a check in it (If-Match) is then made against that newer one, and a
// change is re-applied to it. It returns the list that is stored afterwards.
func (st *Store) Update(cat Category, fn func(cur Snapshot) ([]Entry, error)) ([]Entry, error) {
	sh := st.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var stored, changed []Entry
	var lost *LostEvent // reported unless KV refuses the write
	checked := false
	res, err := st.kv.Update(cat.Key(), func(e *emulator.Entry) ([]byte, emulator.PutOptions, error) {
		cur, err := snapshotOf(cat, e)
		if err != nil {
			return nil, emulator.PutOptions{}, err
		}
		if !checked { // count and judge once, however many tries it takes
			checked = true
			if err := st.meter.Read(cat.Key()); err != nil {
				return nil, emulator.PutOptions{}, err
			}
			lost = st.judgeLocked(cat, cur, "write")
		}
		next, err := fn(cur)
		if err != nil {
			stored = cur.List
			return nil, emulator.PutOptions{}, err
		}
		value := EncodeList(next)
		if len(value) > maxListBytes {
			return nil, emulator.PutOptions{}, errf(413, "category_too_large", "category %s would hold %d bytes; the limit is %d", cat, len(value), maxListBytes)
		}
		stored, changed = next, changedEntries(cur.List, next)
		return value, emulator.PutOptions{}, nil
	})
	if r := st.refused(err); r != err {
		return nil, r // nothing was written: nothing was overwritten
	}
	if lost != nil {
		st.reportLocked(lost)
	}
	if errors.Is(err, ErrNoChange) {
		return stored, nil
	}
	if err != nil {
		var le *emulator.LimitError
		if errors.As(err, &le) {
			return nil, &Error{Status: le.Status, Code: "kv_limit", Message: le.Error()}
		}
		var ae *Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, fmt.Errorf("writing KV key %q: %w", cat.Key(), err)
	}
	if st.meter != nil {
		st.meter.Write()
	}
	sh.last[cat] = written{version: res.Version, changed: changed}
	return stored, nil
}

// lostLocked checks, once per update, whether this process's last write of cat
// survived: if the category has been rewritten since and an entry that write
// added or changed is gone or different, a writer that did not see our write
// (a Worker's get-then-put racing ours) overwrote it. arena-dev writers never do
// that; a deliberate delete of that entry by a Worker looks the same, hence the
// wording. foundBy is what noticed it ("write" or "check"). Called under sh.mu.
func (st *Store) lostLocked(cat Category, cur Snapshot, foundBy string) {
	if ev := st.judgeLocked(cat, cur, foundBy); ev != nil {
		st.reportLocked(ev)
	}
}

// judgeLocked is lostLocked's verdict without reporting it: the lost update
// cur shows, or nil. An update reports it only once its own write went
// through: in edge mode cur may be a location's stale copy, and when KV then
// refuses the write (--kv-limits) nothing was overwritten, so nothing was lost.
func (st *Store) judgeLocked(cat Category, cur Snapshot, foundBy string) *LostEvent {
	sh := st.shared
	last, ok := sh.last[cat]
	if !ok || last.version == cur.Version {
		return nil
	}
	var lost []Entry
	for _, e := range last.changed {
		if i := indexOf(cur.List, e.ID); i < 0 || cur.List[i] != e {
			lost = append(lost, e)
		}
	}
	if len(lost) == 0 {
		delete(sh.last, cat) // judge each write once
		return nil
	}
	return &LostEvent{Time: time.Now().UTC(), Category: cat, Key: cat.Key(), OurVersion: last.version,
		CurrentVersion: cur.Version, FoundBy: foundBy, Lost: lost}
}

// reportLocked records and logs a lost update.
func (st *Store) reportLocked(ev *LostEvent) {
	sh := st.shared
	delete(sh.last, ev.Category) // judge each write once
	gone := make([]string, len(ev.Lost))
	for i, e := range ev.Lost {
		gone[i] = e.ID
	}
	sh.lost.Add(1)
	sh.events.add(*ev, stampLost)
	st.log.Warn().Str("category", string(ev.Category)).Str("key", ev.Key).
		Str("our_version", ev.OurVersion).Str("current_version", ev.CurrentVersion).Strs("missing_ids", gone).
		Msg("category changed underneath this process's last write: a writer that had not seen it (a Worker's get-then-put?) overwrote it, and the entries it added or changed are gone unless that writer deleted them on purpose")
}

// changedEntries lists the entries of next that are not in prev as they are.
func changedEntries(prev, next []Entry) []Entry {
	var out []Entry
	for _, e := range next {
		if i := indexOf(prev, e.ID); i < 0 || prev[i] != e {
			out = append(out, e)
		}
	}
	return out
}
