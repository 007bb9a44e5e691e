package stack

import (
	"fmt"
	"net/http"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/snapshot"
)

// What the answers port offers test suites (docs/api.md, docs/consistency.md):
// POST /_arena/reset back to the start state or a snapshot, and in edge
// consistency mode the per-location KV view with /_arena/kv/propagate(ion).

// answersKV is the KV the API serves: the namespace itself, or in edge mode the
// namespace seen through per-location caches (returned too, for its endpoints).
func answersKV(a project.Answers, ns *Answers) (answers.KV, *kvedge.KV) {
	if a.KVConsistency != "edge" {
		return ns.Namespace, nil
	}
	e := kvedge.New(ns.Namespace, kvedge.Options{Delay: a.KVPropagationDelay})
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

// mountE2E adds the test-suite endpoints to the answers port's mux; the guard
// around the whole port (control.Guard) admits their changes.
func mountE2E(mux *http.ServeMux, ns *Answers, srv *answers.Server, edge *kvedge.KV) {
	mux.Handle("/_arena/reset", snapshot.ResetHandler(ns.Namespace, ns.RunDir, srv.Reset))
	// Exact paths: the dashboard owns the rest of /_arena/kv/ (its KV browser).
	edgeAPI := kvedge.Handler(edge)
	mux.Handle("/_arena/kv/propagate", edgeAPI)
	mux.Handle("/_arena/kv/propagation", edgeAPI)
}
