package answers

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// MaxLostEvents bounds the lost-update events kept in memory per namespace; the
// oldest go first. LostWrites keeps counting.
const MaxLostEvents = 100

// LostEvent is one detected lost update: a write of this process that another
// writer overwrote without including it, with the entries that write added or
// changed and that are gone or different now.
type LostEvent struct {
	Seq            int64     `json:"seq"`
	Time           time.Time `json:"time"`
	Category       Category  `json:"category"`
	Key            string    `json:"key"`
	OurVersion     string    `json:"our_version"`
	CurrentVersion string    `json:"current_version"`
	// FoundBy says what noticed it: "write" (the next write to the category, as
	// the API logs it) or "check" (a look at the category, GET /_arena/lost).
	FoundBy string  `json:"found_by"`
	Lost    []Entry `json:"lost"`
}

// seqLog is a bounded list of events of one namespace, numbered from 1 (stamp
// sets the number): the lost updates, the refusals. The oldest go first.
type seqLog[T any] struct {
	mu     sync.Mutex
	seq    int64
	events []T
}

func (l *seqLog[T]) add(e T, stamp func(*T, int64)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	stamp(&e, l.seq)
	l.events = append(l.events, e)
	if over := len(l.events) - MaxLostEvents; over > 0 {
		l.events = append(l.events[:0:0], l.events[over:]...)
	}
}

func (l *seqLog[T]) list() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]T{}, l.events...)
}

// lostLog holds the lost-update events of one namespace.
type lostLog = seqLog[LostEvent]

func stampLost(e *LostEvent, n int64) { e.Seq = n }

// LostEvents are the lost updates detected in this process (over this
// namespace), oldest first, at most MaxLostEvents.
func (st *Store) LostEvents() []LostEvent { return st.shared.events.list() }

// CheckLost looks at every category this process wrote last and records a lost
// update (logging it, as a write would) when another process has rewritten the
// category without the entries that write added or changed. It reads KV without
// counting the reads in the usage meter: it is arena-dev looking, not the API.
func (st *Store) CheckLost() error {
	sh := st.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var errs []error
	for _, cat := range Categories {
		if _, ok := sh.last[cat]; !ok {
			continue
		}
		cur, err := st.peek(cat)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st.lostLocked(cat, cur, "check")
	}
	return errors.Join(errs...)
}

// peek reads a category without metering it.
func (st *Store) peek(cat Category) (Snapshot, error) {
	e, err := st.kv.GetWithMetadata(cat.Key())
	if errors.Is(err, emulator.ErrNotFound) {
		return Snapshot{List: []Entry{}}, nil
	}
	if err != nil {
		return Snapshot{}, err
	}
	return snapshotOf(cat, e)
}

// lostEntryView is a lost entry as GET /_arena/lost shows it: with whether an
// answer with its id is in the category now (re-added, or never really gone).
type lostEntryView struct {
	Entry
	Present bool `json:"present"`
}

type lostEventView struct {
	LostEvent
	Lost []lostEntryView `json:"lost"`
}

// serveLost answers GET /_arena/lost: {"lost_writes": N, "events": [...]}, after
// a CheckLost, each lost entry marked present or not in the category now.
func (s *Server) serveLost(w http.ResponseWriter, r *http.Request) {
	if err := s.store.CheckLost(); err != nil {
		s.log.Warn().Err(err).Msg("checking categories for lost updates")
	}
	events := s.store.LostEvents()
	current := map[Category][]Entry{}
	out := make([]lostEventView, 0, len(events))
	for _, e := range events {
		list, ok := current[e.Category]
		if !ok {
			if snap, err := s.store.peek(e.Category); err == nil {
				list = snap.List
			}
			current[e.Category] = list
		}
		v := lostEventView{LostEvent: e, Lost: make([]lostEntryView, len(e.Lost))}
		for i, x := range e.Lost {
			v.Lost[i] = lostEntryView{Entry: x, Present: indexOf(list, x.ID) >= 0}
		}
		out = append(out, v)
	}
	writeJSON(w, 200, map[string]any{"lost_writes": s.store.LostWrites(), "events": out, "max_events": MaxLostEvents,
		"refused": s.store.RefusedEvents()})
}

// RefusedEvent is an API operation KV refused as production KV would
// (--kv-limits): nothing was stored, no update was lost, and the client got the
// Worker's 500. The dashboard shows these beside the lost updates, so a refusal
// is never mistaken for one.
type RefusedEvent struct {
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Key      string    `json:"key"`
	Op       string    `json:"op"`     // read, write, delete or list
	Reason   string    `json:"reason"` // key_rate or daily_quota
	Message  string    `json:"message"`
	Detail   string    `json:"detail"`
	Category Category  `json:"category,omitempty"`
}

// refusedLog holds the refusals of one namespace.
type refusedLog = seqLog[RefusedEvent]

func stampRefused(e *RefusedEvent, n int64) { e.Seq = n }

// RefusedEvents are the API's operations KV refused in this process (over this
// namespace), oldest first, at most MaxLostEvents.
func (st *Store) RefusedEvents() []RefusedEvent { return st.shared.refused.list() }

// refused turns a KV refusal into what the reference Worker answers when its
// KV call throws (500 internal, the exception as String(e) gives it), logging
// it and keeping it as a refusal, not a lost update; other errors are returned
// as they are.
func (st *Store) refused(err error) error {
	var r *kvlimits.Refusal
	if !errors.As(err, &r) {
		return err
	}
	cat, _ := ParseCategory(strings.TrimPrefix(r.Key, "answers:"))
	st.shared.refused.add(RefusedEvent{Time: r.Time, Key: r.Key, Op: string(r.Op), Reason: r.Reason,
		Message: r.Message, Detail: r.Detail, Category: cat}, stampRefused)
	st.log.Warn().Str("key", r.Key).Str("op", string(r.Op)).Str("reason", r.Reason).Str("kv_error", r.Message).
		Msg("KV refused the operation as production KV would (--kv-limits): " + r.Detail + "; nothing was stored, and the API answers 500 as the Worker does")
	return &Error{Status: 500, Code: "internal", Message: "Error: " + r.Message}
}
