// Package answersport assembles what the answers port serves besides the
// wine-answers API itself: the dashboard, the control API, the test-suite
// endpoints and the edge KV endpoints under /_arena/, and the access log.
// `up` (package stack) and `serve` both build the port here, so the two cannot
// drift apart.
package answersport

import (
	"net/http"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// Options are what one answers port serves.
type Options struct {
	// API is the wine-answers API: everything outside /_arena/, and the paths
	// under it the dashboard does not own (/_arena/usage, /_arena/lost).
	API *answers.Server
	// Store and Namespace are the KV state the dashboard's KV browser shows;
	// KnownNamespaces name more ids (the Worker config's).
	Store           *emulator.Store
	Namespace       string
	KnownNamespaces []string
	// Access is who may change what under /_arena/ (docs/security.md): the Host
	// names served besides loopback ones (the bind host, then any --allow-host)
	// and the stack's token.
	Access control.Access
	// Edge is the per-location KV of edge consistency mode; nil = strong (its
	// endpoints then say so).
	Edge *kvedge.KV
	// Control is the control API (services, start/stop/restart, events, logs)
	// mounted at /_arena/api/; nil = none, and no services panel.
	Control http.Handler
	// Reset is POST /_arena/reset (back to the start state or a snapshot);
	// nil = not served.
	Reset http.Handler
	// Limits, when set (--kv-limits), counts and refuses the dashboard KV
	// browser's operations as production KV would; the API has its own (Limited).
	Limits *kvlimits.Limiter
	// Log is the access log; requests the dashboard polls are left out.
	Log zerolog.Logger
}

// Handler is the whole answers port.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mountArena(mux, o)
	mux.Handle("/", o.API)
	// The guard judges all of /_arena/ before routing, so no route under it can
	// be left unguarded by forgetting it (docs/security.md).
	return answers.LogRequestsExcept(o.Log, control.Guard(mux, o.Access), dashboard.Quiet)
}

// mountArena mounts every /_arena/ route of the port, here and nowhere else.
func mountArena(mux *http.ServeMux, o Options) {
	if o.Control != nil {
		mux.Handle("/_arena/api/", http.StripPrefix("/_arena", o.Control))
	}
	if o.Reset != nil {
		mux.Handle("/_arena/reset", o.Reset)
	}
	// Exact paths: the dashboard owns the rest of /_arena/kv/ (its KV browser).
	edge := kvedge.Handler(o.Edge)
	mux.Handle("/_arena/kv/propagate", edge)
	mux.Handle("/_arena/kv/propagation", edge)
	mux.Handle("GET /_arena/kv/limits", o.API) // the API's meter has the counts
	mux.Handle("/_arena/", dashboard.New(dashboard.Options{Store: o.Store, Namespace: o.Namespace,
		KnownNamespaces: o.KnownNamespaces, Access: o.Access, Services: o.Control != nil, Next: o.API, Limits: o.Limits}))
}

// Limited opens the KV limits of the state at root in mode ("off",
// "production" or "free") and is ns as the API writes through them: writes,
// deletes and lists limited, reads counted by the API's meter. The limiter is
// unarmed, so seeding and fixtures count nothing: Arm it before the port is
// ready. The caller closes it.
func Limited(root string, ns *emulator.Namespace, mode string) (*kvlimits.Limiter, *kvlimits.Namespace, error) {
	lim, err := kvlimits.Start(root, kvlimits.Mode(mode), kvlimits.Options{})
	if err != nil {
		return nil, nil, err
	}
	return lim, kvlimits.WrapWrites(ns, lim), nil
}

// KV is what the API serves over ns in consistency mode ("strong" or "edge"):
// the namespace itself, or in edge mode the namespace seen through per-location
// caches that serve what they read for delay (returned too, for Options.Edge).
// ns is the limited namespace (Limited): the limits refuse at the store, under
// the locations' caches, as production's do.
func KV(ns answers.KV, mode string, delay time.Duration) (answers.KV, *kvedge.KV) {
	if mode != "edge" {
		return ns, nil
	}
	e := kvedge.New(ns, kvedge.Options{Delay: delay})
	return e, e
}
