package snapshot

import (
	"errors"
	"net/http"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/httpjson"
)

// ResetFunc runs a restore with the API's writes held off and its caches
// dropped afterwards (answers.Server.Reset).
type ResetFunc func(restore func() error) error

// ResetHandler serves POST /_arena/reset: the namespace goes back to the state
// the stack started with, or with ?snapshot=NAME to that snapshot, in one call.
// The answer says what was restored and how long it took.
func ResetHandler(ns *emulator.Namespace, runDir string, reset ResetFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			writeError(w, 405, "method_not_allowed", r.Method+" is not allowed on /_arena/reset; use POST")
			return
		}
		name := Start
		if q := r.URL.Query(); q.Has("snapshot") {
			name = q.Get("snapshot")
			if err := CheckName(name); err != nil {
				writeError(w, 400, "bad_snapshot_name", err.Error())
				return
			}
		}
		start := time.Now()
		var info Info
		err := reset(func() (err error) {
			info, err = Restore(ns, runDir, name)
			return err
		})
		var nf *NotFoundError
		switch {
		case errors.As(err, &nf):
			writeError(w, 404, "snapshot_not_found", err.Error())
		case err != nil:
			writeError(w, 500, "reset_failed", err.Error())
		default:
			shown := name
			if name == Start {
				shown = "start"
			}
			writeJSON(w, 200, map[string]any{"restored": shown, "namespace": info.Namespace, "keys": info.Keys,
				"ms": float64(time.Since(start).Microseconds()) / 1000})
		}
	})
}

// reply keeps this API's bytes: encoding/json's escaping, a newline at the end.
var reply = httpjson.Style{EscapeHTML: true}

func writeJSON(w http.ResponseWriter, status int, v any) { reply.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	reply.Error(w, status, code, msg, nil)
}
