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
	version string // KV blob id; "" when the key does not exist
	exists  bool
	body    []byte
	etag    []string // {`"<hash>"`}
	length  []string // {"<len(body)>"}
}

// revalidateAfter is how long a category's cached response is served without
// asking the KV namespace again. Writes through this server drop the entry at
// once; a write by another process is already up to 1 ms late in the emulator (its
// own freshness window), so it shows here within about 2 ms. Reading the KV on
// every GET instead costs ~40% of the throughput: the emulator copies the value
// and checks SQLite's data_version under a lock every millisecond.
const revalidateAfter = time.Millisecond

// responseCache holds one cached response per category.
type responseCache struct {
	slots [5]cacheSlot // indexed like Categories
}

type cacheSlot struct {
	list    atomic.Pointer[encodedList]
	checked atomic.Int64  // monotonic ns of the last KV read that confirmed list
	gen     atomic.Uint64 // bumped by every write: a read that overlapped one is not kept
	busy    atomic.Bool   // one request revalidates; the others keep serving list
}

var monoBase = time.Now()

func monoNow() int64 { return int64(time.Since(monoBase)) }

// invalidate drops the category's cached response after a write through this server.
func (c *responseCache) invalidate(cat Category) {
	sl := &c.slots[categoryIndex(cat)]
	sl.gen.Add(1)
	sl.list.Store(nil)
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

// encoded returns the category as served now: the cached response while it was
// confirmed less than revalidateAfter ago (or while another request is confirming
// it), else what the KV namespace holds, encoded again only when its version
// changed. Every call counts one KV read on the meter, as the Worker would do one.
func (s *Server) encoded(cat Category) (*encodedList, error) {
	if err := s.store.meter.Read(categoryKeys[categoryIndex(cat)]); err != nil {
		return nil, s.store.refused(err)
	}
	i := categoryIndex(cat)
	sl := &s.cache.slots[i]
	c := sl.list.Load()
	if c != nil && (monoNow()-sl.checked.Load() < int64(s.revalidate) || !sl.busy.CompareAndSwap(false, true)) {
		return c, nil
	}
	if c != nil {
		defer sl.busy.Store(false)
	}
	gen := sl.gen.Load()
	e, err := s.store.kv.GetWithMetadata(categoryKeys[i])
	exists := err == nil
	if err != nil && !errors.Is(err, emulator.ErrNotFound) {
		return nil, err
	}
	version := ""
	if exists {
		version = e.Version
	}
	if c == nil || c.version != version || c.exists != exists {
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
	sl.list.Store(c)
	sl.checked.Store(monoNow())
	if sl.gen.Load() != gen {
		sl.list.CompareAndSwap(c, nil) // a write overlapped this read: do not keep it
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
