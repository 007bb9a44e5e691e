package stack

import (
	"fmt"
	"net/http"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/snapshot"
)

// What the answers port offers test suites (docs/api.md, docs/consistency.md):
// POST /_arena/reset back to the start state or a snapshot, and in edge
// consistency mode the per-location KV view with /_arena/kv/propagate(ion).

// answersKV is the KV the API serves: the namespace (with its KV limits) itself,
// or in edge mode seen through per-location caches (returned too, for its
// endpoints).
func answersKV(a project.Answers, ns answers.KV) (answers.KV, *kvedge.KV) {
	if a.KVConsistency != "edge" {
		return ns, nil
	}
	e := kvedge.New(ns, kvedge.Options{Delay: a.KVPropagationDelay})
	return e, e
}

// takeStartSnapshot records the state the stack starts with (fixtures loaded,
// empty categories seeded), which POST /_arena/reset goes back to. Once per run:
// a restart of the answers service after a crash keeps the first one.
func (ns *Answers) takeStartSnapshot() error {
	if ns.RunDir == "" || !ns.startTaken.CompareAndSwap(false, true) {
		return nil
	}
	if _, err := snapshot.Save(ns.Namespace, ns.RunDir, snapshot.Start, true); err != nil {
		ns.startTaken.Store(false)
		return fmt.Errorf("taking the start snapshot for /_arena/reset: %w", err)
	}
	return nil
}

// mountE2E adds the test-suite endpoints to the answers port's mux, behind the
// control API's guard (they change state: loopback Host, own origin only).
func mountE2E(mux *http.ServeMux, host string, ns *Answers, srv *answers.Server, edge *kvedge.KV) {
	mux.Handle("/_arena/reset", control.Guard(snapshot.ResetHandler(ns.Namespace, ns.RunDir, srv.Reset), host))
	// Exact paths: the dashboard owns the rest of /_arena/kv/ (its KV browser).
	edgeAPI := control.Guard(kvedge.Handler(edge), host)
	mux.Handle("/_arena/kv/propagate", edgeAPI)
	mux.Handle("/_arena/kv/propagation", edgeAPI)
}
