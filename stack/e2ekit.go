package stack

import (
	"fmt"
	"net/http"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/snapshot"
)

// What the answers port offers test suites (docs/api.md): POST /_arena/reset
// back to the start state or a snapshot (package answersport mounts it).

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

// resetHandler is POST /_arena/reset on the answers port.
func resetHandler(ns *Answers, srv *answers.Server) http.Handler {
	return snapshot.ResetHandler(ns.Namespace, ns.RunDir, srv.Reset)
}
