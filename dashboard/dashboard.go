// Package dashboard serves arena-dev's local web page at /_arena/ on the answers
// port: the stack's services and logs (through the control API the stack mounts at
// /_arena/api/), a browser of the KV state, the wine answers with their lost-update
// warnings, and the free-plan meter. The page is plain HTML, CSS and JavaScript
// embedded in the binary: no build step, nothing fetched from the network.
package dashboard

import (
	"net/http"
	"sort"

	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/httpjson"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// Options configure the dashboard.
type Options struct {
	// Store is the KV persist root the KV browser shows.
	Store *emulator.Store
	// Namespace is the answers namespace id; KnownNamespaces are more ids to name
	// (the Worker config's), since a database file's name cannot be turned back
	// into its id.
	Namespace       string
	KnownNamespaces []string
	// Access: the Host names served besides loopback ones (the bind host) and
	// the stack's token, which GET /_arena/?token=... turns into a cookie.
	Access control.Access
	// Services: the control API of a running stack is mounted at /_arena/api/
	// (`up`); without it (`serve`) the page has no services panel.
	Services bool
	// Next answers the paths under /_arena/ the dashboard does not own (the
	// answers API's /_arena/usage and /_arena/lost); nil = 404.
	Next http.Handler
	// Limits, when set (--kv-limits), counts and refuses the KV browser's
	// operations as production KV would.
	Limits *kvlimits.Limiter
}

// CSP is the Content-Security-Policy of every dashboard response: scripts, styles
// and requests only from the page's own origin, no inline script, no framing.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// New returns the dashboard handler; mount it at "/_arena/" (it sees full paths).
// Every route checks the Host header, takes changes only from its own origin and
// with the rights control.Guard grants (docs/security.md); paths it does not own
// go to o.Next unguarded (they guard themselves).
func New(o Options) http.Handler {
	d := &dash{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_arena/{$}", d.index)
	mux.HandleFunc("GET /_arena/assets/{file}", d.asset)
	mux.HandleFunc("GET /_arena/config", d.config)
	mux.HandleFunc("GET /_arena/kv/namespaces", d.namespaces)
	mux.HandleFunc("GET /_arena/kv/keys", d.keys)
	mux.HandleFunc("GET /_arena/kv/value", d.value)
	mux.HandleFunc("PUT /_arena/kv/value", d.put)
	mux.HandleFunc("DELETE /_arena/kv/value", d.delete)
	guarded := control.Guard(secure(mux), o.Access)
	own := http.NewServeMux()
	own.Handle("/_arena/{$}", guarded)
	own.Handle("/_arena/assets/", guarded)
	own.Handle("/_arena/config", guarded)
	own.Handle("/_arena/kv/", guarded)
	own.HandleFunc("/_arena", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/_arena/", http.StatusMovedPermanently)
	})
	next := o.Next
	if next == nil {
		next = http.NotFoundHandler()
	}
	own.Handle("/", next)
	return own
}

type dash struct{ o Options }

// secure sets the headers every dashboard response carries.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// config tells the page what this process serves, and what this page may change:
// writes (KV browser) from this machine or with the token, services only with it.
func (d *dash) config(w http.ResponseWriter, r *http.Request) {
	g := d.o.Access.Grant(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"services":  d.o.Services,
		"namespace": d.o.Namespace,
		"state":     d.stateRoot(),
		"writes":    g.Write(),
		"control":   g.Control(),
	})
}

func (d *dash) stateRoot() string {
	if d.o.Store == nil {
		return ""
	}
	return d.o.Store.Root()
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpjson.Write(w, status, v) }

// writeError answers {"error": {"code", "message"}}, the answers API's shape.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	httpjson.Error(w, status, code, msg, nil)
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
