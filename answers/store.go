package answers

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// KV is the part of *emulator.Namespace the API uses. The server depends on this
// interface; the tests run it against the real emulator.
type KV interface {
	GetWithMetadata(key string) (*emulator.Entry, error)
	Put(key string, value []byte, o emulator.PutOptions) (emulator.PutResult, error)
}

// Store reads and writes category lists. Writes are read-modify-write of the
// category key, serialised by a mutex so concurrent writers in this process never
// lose an entry; a write that finds the key changed by another process since its
// read is logged as a warning naming the category.
type Store struct {
	kv    KV
	meter *Meter
	log   zerolog.Logger
	mu    *sync.Mutex // serialises writes (read-modify-write) within this process
}

// writeLocks holds one write lock per namespace, so every Store over the same
// namespace in this process (the server's, a seeding's) shares it.
var writeLocks sync.Map // KV -> *sync.Mutex

// NewStore wraps kv; meter may be nil (no counting).
func NewStore(kv KV, meter *Meter, log zerolog.Logger) *Store {
	mu := &sync.Mutex{}
	if t := reflect.TypeOf(kv); t != nil && t.Comparable() {
		l, _ := writeLocks.LoadOrStore(kv, mu)
		mu = l.(*sync.Mutex)
	}
	return &Store{kv: kv, meter: meter, log: log, mu: mu}
}

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
	if st.meter != nil {
		st.meter.Read()
	}
	e, err := st.kv.GetWithMetadata(cat.Key())
	if errors.Is(err, emulator.ErrNotFound) {
		return Snapshot{List: []Entry{}}, nil
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("reading KV key %q: %w", cat.Key(), err)
	}
	list, err := DecodeList(cat.Key(), e.Value)
	if err != nil {
		return Snapshot{}, &Error{Status: 500, Code: "corrupt_data", Message: err.Error()}
	}
	return Snapshot{List: list, Version: e.Version, Exists: true}, nil
}

// ErrNoChange, returned by an Update function, ends the update without a write.
var ErrNoChange = errors.New("no change")

// Update runs a read-modify-write of one category under the process-wide write
// lock. fn gets the current snapshot and returns the new list; an error from fn
// (an *Error for API failures, or ErrNoChange) means nothing is written. It returns
// the list that is stored afterwards.
func (st *Store) Update(cat Category, fn func(cur Snapshot) ([]Entry, error)) ([]Entry, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	cur, err := st.Read(cat)
	if err != nil {
		return nil, err
	}
	next, err := fn(cur)
	if errors.Is(err, ErrNoChange) {
		return cur.List, nil
	}
	if err != nil {
		return nil, err
	}
	value := EncodeList(next)
	if len(value) > maxListBytes {
		return nil, errf(413, "category_too_large", "category %s would hold %d bytes; the limit is %d", cat, len(value), maxListBytes)
	}
	if st.meter != nil {
		st.meter.Write()
	}
	res, err := st.kv.Put(cat.Key(), value, emulator.PutOptions{})
	if err != nil {
		var le *emulator.LimitError
		if errors.As(err, &le) {
			return nil, &Error{Status: le.Status, Code: "kv_limit", Message: le.Error()}
		}
		return nil, fmt.Errorf("writing KV key %q: %w", cat.Key(), err)
	}
	if res.Previous != cur.Version {
		// Another process (a wrangler dev, a second arena-dev, `arena-dev seed`) wrote
		// the key between our read and our write: its change is now lost, as it
		// would be in production. Say so instead of losing it silently.
		st.log.Warn().Str("category", string(cat)).Str("key", cat.Key()).
			Str("read_version", cur.Version).Str("replaced_version", res.Previous).
			Msg("category changed underneath this write (another process wrote it between read and write); its change was overwritten")
	}
	return next, nil
}
