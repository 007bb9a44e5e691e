package kvedge

import (
	"net/http"

	"github.com/sommelier-arena/arena-dev/internal/httpjson"
)

// Handler serves the edge mode's control endpoints on the answers port:
//
//	POST /_arena/kv/propagate    ends every propagation window at once
//	GET  /_arena/kv/propagation  what is still stale, and where
//
// e is nil in the default, strongly consistent mode: nothing is ever stale and
// propagate has nothing to do (so a suite can call it whatever the mode).
func Handler(e *KV) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var method string
		switch r.URL.Path {
		case "/_arena/kv/propagate":
			method = http.MethodPost
		case "/_arena/kv/propagation":
			method = http.MethodGet
		default:
			writeError(w, 404, "not_found", "no route for "+r.Method+" "+r.URL.Path+" (try POST /_arena/kv/propagate or GET /_arena/kv/propagation)")
			return
		}
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, 405, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path+"; use "+method)
			return
		}
		out := map[string]any{"mode": "strong", "stale": []Stale{}}
		if e != nil {
			var stale []Stale
			var err error
			if method == http.MethodPost {
				stale, err = e.Propagate()
			} else {
				stale, err = e.Stale()
			}
			if err != nil {
				writeError(w, 500, "kv_read_failed", err.Error())
				return
			}
			out = map[string]any{"mode": "edge", "delay": e.Delay().String(), "locations": e.Locations(), "stale": stale}
			if method == http.MethodPost {
				out = map[string]any{"mode": "edge", "propagated": stale}
			}
		} else if method == http.MethodPost {
			out = map[string]any{"mode": "strong", "propagated": []Stale{}}
		}
		writeJSON(w, 200, out)
	})
}

// reply keeps this API's bytes: encoding/json's escaping, a newline at the end.
var reply = httpjson.Style{EscapeHTML: true}

func writeJSON(w http.ResponseWriter, status int, v any) { reply.Write(w, status, v) }

func writeError(w http.ResponseWriter, status int, code, msg string) {
	reply.Error(w, status, code, msg, nil)
}
