package answers

import (
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// encodedList is a category's GET response, computed once per KV version: reads
// far outnumber writes, so decoding, re-encoding and hashing the list on every GET
// would be wasted work. The header values are shared slices that net/http only
// reads (Header.Set and Add replace or copy them).
type encodedList struct {
	gen     uint64 // the namespace's generation read before the KV read it came from
	expMs   int64  // the key's expiration (ms since the epoch), 0 = none
	version string // KV blob id; "" when the key does not exist
	exists  bool
	body    []byte
	etag    []string // {`"<hash>"`}
	length  []string // {"<len(body)>"}
}

// generations is what the cache needs of the KV: *emulator.Namespace has it (see
// Namespace.Generation). Without it (edge mode's per-location views) every GET
// reads the KV.
type generations interface {
	Generation() (uint64, error)
}

// responseCache holds one cached response per category. An entry is served only
// while the namespace's generation is the one read before the entry's KV read:
// every GET brings the namespace up to date first (the emulator's per-read check
// of the WAL-index header, a few nanoseconds when nothing was committed), so a
// GET that starts after any process acknowledged a write sees that write. There
// is no window and no entry is served while a revalidation is pending.
type responseCache struct {
	slots [5]atomic.Pointer[encodedList] // indexed like Categories
}

// invalidate drops the category's cached response after a write through this server.
func (c *responseCache) invalidate(cat Category) {
	c.slots[categoryIndex(cat)].Store(nil)
}

// categoryKeys are the categories' KV keys, built once (Key concatenates).
var categoryKeys = func() (keys [5]string) {
	for i, c := range Categories {
		keys[i] = c.Key()
	}
	return keys
}()

func categoryIndex(cat Category) int {
	for i, c := range Categories {
		if c == cat {
			return i
		}
	}
	return -1
}

// encoded returns the category as served now: the cached response while the
// namespace's generation has not moved since it was read (and the key has not
// expired), else what the KV namespace holds, encoded again only when its
// version changed. Every call counts one KV read on the meter, as the Worker
// would do one.
func (s *Server) encoded(cat Category) (*encodedList, error) {
	if err := s.store.meter.Read(categoryKeys[categoryIndex(cat)]); err != nil {
		return nil, s.store.refused(err)
	}
	i := categoryIndex(cat)
	slot := &s.cache.slots[i]
	prev := slot.Load()
	var gen uint64
	if s.gens != nil {
		g, err := s.gens.Generation()
		if err != nil {
			return nil, err
		}
		gen = g
		if prev != nil && prev.gen == gen && (prev.expMs == 0 || time.Now().UnixMilli() < prev.expMs) {
			return prev, nil
		}
	}
	e, err := s.store.kv.GetWithMetadata(categoryKeys[i])
	exists := err == nil
	if err != nil && !errors.Is(err, emulator.ErrNotFound) {
		return nil, err
	}
	version, expMs := "", int64(0)
	if exists {
		version, expMs = e.Version, e.Expiration*1000
	}
	var c *encodedList
	if prev != nil && prev.version == version && prev.exists == exists {
		cp := *prev // same value: only the generation (or expiry) moved
		c = &cp
	} else {
		list := []Entry{}
		if exists {
			if list, err = DecodeList(cat.Key(), e.Value); err != nil {
				return nil, &Error{Status: 500, Code: "corrupt_data", Message: err.Error()}
			}
		}
		body := EncodeList(list)
		c = &encodedList{version: version, exists: exists, body: body,
			etag: []string{ETag(body)}, length: []string{strconv.Itoa(len(body))}}
	}
	c.gen, c.expMs = gen, expMs
	if s.gens != nil {
		slot.Store(c)
	}
	return c, nil
}

// Header values shared by every response; see encodedList.
var (
	hdrJSON    = []string{"application/json; charset=utf-8"}
	hdrNoStore = []string{"no-store"}
	hdrOrigin  = []string{"Origin"}
)

// serveEncoded answers a GET or HEAD of a category from its encoding, with 304
// for a matching If-None-Match.
func (s *Server) serveEncoded(w http.ResponseWriter, r *http.Request, c *encodedList) {
	h := w.Header()
	h["Etag"] = c.etag
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && etagListMatches(inm[0], c.etag[0], true) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Type"] = hdrJSON
	h["Cache-Control"] = hdrNoStore
	h["Content-Length"] = c.length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(c.body) //nolint:errcheck // the client went away; nothing to do
	}
}

// update is Store.Update (through the request's location in edge mode) followed
// by dropping the category's cached response, so the next GET reads what was
// written.
func (s *Server) update(r *http.Request, cat Category, fn func(cur Snapshot) ([]Entry, error)) ([]Entry, error) {
	st, err := s.storeFor(r)
	if err != nil {
		return nil, err
	}
	defer s.cache.invalidate(cat)
	return st.Update(cat, fn)
}
