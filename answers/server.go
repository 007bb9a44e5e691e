// Package answers serves the wine-answers REST API (the same API as the reference
// wine-answers Worker) against a KV namespace of the emulator: five categories, one
// KV key each holding a JSON array of answers, read-modify-write on every change.
//
// Beyond the Worker it returns ETags and honours If-Match (412 on a stale write),
// serialises writes within the process, warns when another process changed a
// category between read and write, and meters KV operations against Cloudflare's
// free plan (GET /_arena/usage).
package answers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// DefaultCORSOrigins are the Astro dev server's origins.
var DefaultCORSOrigins = []string{"http://localhost:4321", "http://127.0.0.1:4321"}

// Options configure the API server. The zero value is usable.
type Options struct {
	Logger      zerolog.Logger   // diagnostics: warnings about lost writes and usage
	CORSOrigins []string         // allowed browser origins; nil = DefaultCORSOrigins; "*" = any
	Meter       *Meter           // nil = a new free-plan meter logging to Logger
	Now         func() time.Time // clock for createdAt and vintage checks; nil = time.Now
	// AllowedHosts are the Host header names served besides loopback ones
	// (localhost, 127.0.0.0/8, ::1), any port: the bind host, compose service
	// names such as "answers". Wildcard addresses are ignored; "*" allows any Host.
	// Other Hosts get 421 host_not_allowed (DNS-rebinding protection).
	AllowedHosts []string
	// Limits, when set (--kv-limits production|free), counts the API's reads in
	// the state folder and refuses those past the free plan's quota; the KV
	// given to New must then be a kvlimits.Namespace over the same limiter, which
	// limits the writes. Namespace names the namespace in its records.
	Limits    *kvlimits.Limiter
	Namespace string
}

// Server is the API as an http.Handler.
type Server struct {
	store *Store
	meter *Meter
	log   zerolog.Logger
	cors  corsPolicy
	hosts hostPolicy
	now   func() time.Time
	cache responseCache
	locs  Locations   // edge mode: per-location views of the KV; nil = one strongly consistent view
	gens  generations // the KV's generations, for the response cache; nil = no cache
}

// New returns the API handler for a namespace (usually an *emulator.Namespace).
func New(kv KV, o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Meter == nil {
		o.Meter = NewMeter(o.Logger, UsageLimits{}, o.Now)
	}
	if o.Limits != nil {
		o.Meter.WithLimits(o.Limits, o.Namespace)
	}
	if o.CORSOrigins == nil {
		o.CORSOrigins = DefaultCORSOrigins
	}
	locs, _ := kv.(Locations)
	gens, _ := kv.(generations)
	return &Server{
		gens:  gens,
		locs:  locs,
		store: NewStore(kv, o.Meter, o.Logger),
		meter: o.Meter,
		log:   o.Logger,
		cors:  newCORSPolicy(o.CORSOrigins, locs != nil),
		hosts: newHostPolicy(o.AllowedHosts),
		now:   o.Now,
	}
}

// Store is the server's store, so seeding in the same process shares its write lock.
func (s *Server) Store() *Store { return s.store }

// ServeHTTP routes a request. Paths are matched by hand so every error, 404 and 405
// included, is the JSON error shape.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hosts.allows(r.Host) {
		writeError(w, errf(http.StatusMisdirectedRequest, "host_not_allowed",
			"Host %q is not served here: only loopback names and the configured hosts are (DNS-rebinding protection; see --allow-host)", r.Host))
		return
	}
	if !s.cors.apply(w, r) {
		return
	}
	// The hot path, GET of one category, without splitting the path.
	if cat, ok := plainCategoryPath(r.URL.Path, r.URL.RawPath); ok && (r.Method == "GET" || r.Method == "HEAD") {
		s.getCategory(w, r, cat)
		return
	}
	parts := splitPath(r.URL.EscapedPath())
	switch {
	case r.URL.Path == "/healthz":
		if s.allow(w, r, "GET") {
			writeJSON(w, 200, map[string]any{"ok": true, "service": "wine-answers"})
		}
	case r.URL.Path == "/_arena/usage":
		if s.allow(w, r, "GET") {
			writeJSON(w, 200, s.meter.Usage())
		}
	case r.URL.Path == "/_arena/kv/limits":
		if s.allow(w, r, "GET") {
			s.serveLimits(w)
		}
	case r.URL.Path == "/_arena/lost":
		if s.allow(w, r, "GET") {
			s.serveLost(w, r)
		}
	case len(parts) == 1 && parts[0] == "answers":
		if s.allow(w, r, "GET") {
			s.getAll(w, r)
		}
	case len(parts) == 2 && parts[0] == "answers":
		cat, ok := s.category(w, parts[1])
		if !ok || !s.allow(w, r, "GET", "POST", "PUT") {
			return
		}
		switch r.Method {
		case "POST":
			s.post(w, r, cat)
		case "PUT":
			s.putList(w, r, cat)
		default:
			s.getCategory(w, r, cat)
		}
	case len(parts) == 3 && parts[0] == "answers" && parts[2] != "":
		cat, ok := s.category(w, parts[1])
		if !ok || !s.allow(w, r, "PUT", "DELETE") {
			return
		}
		if r.Method == "PUT" {
			s.putEntry(w, r, cat, parts[2])
		} else {
			s.deleteEntry(w, r, cat, parts[2])
		}
	default:
		writeError(w, errf(404, "not_found", "no route for %s %s", r.Method, r.URL.Path))
	}
}

func (s *Server) category(w http.ResponseWriter, name string) (Category, bool) {
	cat, ok := ParseCategory(name)
	if !ok {
		writeError(w, errf(404, "unknown_category", "unknown category %q; the categories are color, country, grape, vintage and wine", name))
	}
	return cat, ok
}

// plainCategoryPath recognises "/answers/<category>" written without escapes.
func plainCategoryPath(path, rawPath string) (Category, bool) {
	name, ok := strings.CutPrefix(path, "/answers/")
	if !ok || rawPath != "" {
		return "", false
	}
	return ParseCategory(name)
}

// splitPath splits an escaped URL path into unescaped segments, so an id may
// contain an escaped slash or accented letters.
func splitPath(escaped string) []string {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for i, p := range parts {
		if u, err := url.PathUnescape(p); err == nil {
			parts[i] = u
		}
	}
	return parts
}

// allow answers 405 (with Allow) unless the method is one of methods; HEAD rides on GET.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m || (m == "GET" && r.Method == "HEAD") {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeError(w, errf(405, "method_not_allowed", "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(methods, ", ")))
	return false
}

// Timeouts bound how long one client may hold a connection, so a slow or stalled
// sender (headers or body trickled byte by byte) cannot pin it open.
type Timeouts struct {
	ReadHeader time.Duration // request line and headers
	Read       time.Duration // the whole request, body included (bodies are at most 64 KiB)
	Write      time.Duration // from the end of the request headers to the end of the response
	Idle       time.Duration // a keep-alive connection between requests
}

// DefaultTimeouts suit a local API: loopback requests take microseconds, so these
// only ever cut off clients that stopped sending or reading.
var DefaultTimeouts = Timeouts{ReadHeader: 5 * time.Second, Read: 15 * time.Second, Write: 30 * time.Second, Idle: time.Minute}

// Serve runs h on ln with DefaultTimeouts until ctx is done, then shuts down
// gracefully (in-flight requests get up to five seconds). It returns nil after a
// clean shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	return ServeWith(ctx, ln, h, DefaultTimeouts)
}

// ServeWith is Serve with other timeouts. Errors net/http answers by itself (a
// malformed request line, say) go out in the API's JSON error shape too.
func ServeWith(ctx context.Context, ln net.Listener, h http.Handler, t Timeouts) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read,
		WriteTimeout: t.Write, IdleTimeout: t.Idle}
	ln = jsonErrorListener{ln}
	if a, ok := h.(*accessLog); ok {
		defer a.close() // the last requests' lines, before the caller logs that it stopped
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
