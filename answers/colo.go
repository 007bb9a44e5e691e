package answers

import (
	"net/http"
	"regexp"
)

// ColoHeader names the edge location a request comes from, in edge consistency
// mode (--kv-consistency edge): each location reads through its own cache, as a
// Worker in that Cloudflare colo would.
const ColoHeader = "X-Arena-Colo"

// DefaultColo is the location of requests without ColoHeader.
const DefaultColo = "default"

// Locations is a KV whose reads depend on where they are made (kvedge.KV): At is
// the view from one location; Reset drops every location's cache. A Server over
// a Locations serves each request from its location's view and skips its own
// response cache, which holds one view only.
type Locations interface {
	KV
	At(colo string) KV
	Reset()
}

var coloRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// CheckColo refuses a location name that is not 1-32 letters, digits, '_' or '-'.
func CheckColo(name string) *Error {
	if !coloRE.MatchString(name) {
		return errf(400, "bad_colo", "%s %q: a location is 1 to 32 letters, digits, '_' or '-' (e.g. CDG, SJC)", ColoHeader, name)
	}
	return nil
}

// storeFor is the store a request reads and writes through: the server's own, or
// in edge mode the view from the request's location (same lock, meter and
// lost-write memory: those are the process's, not a location's).
func (s *Server) storeFor(r *http.Request) (*Store, error) {
	if s.locs == nil {
		return s.store, nil
	}
	colo := DefaultColo
	if v := r.Header.Get(ColoHeader); v != "" {
		if err := CheckColo(v); err != nil {
			return nil, err
		}
		colo = v
	}
	at := *s.store
	at.kv = s.locs.At(colo)
	return &at, nil
}

// Reset runs restore, which replaces the namespace's contents (a snapshot's
// restore), with this process's writes held off, then makes every later request
// see the result at once: cached responses are dropped, so is every location's
// cache in edge mode, and the lost-write detector forgets this process's last
// writes (a reset removes them on purpose: it is not a lost write).
func (s *Server) Reset(restore func() error) error {
	sh := s.store.shared
	sh.mu.Lock()
	defer sh.mu.Unlock()
	err := restore()
	// Whether or not it failed part-way, nothing cached may be trusted any more.
	clear(sh.last)
	for _, c := range Categories {
		s.cache.invalidate(c)
	}
	if s.locs != nil {
		s.locs.Reset()
	}
	return err
}
