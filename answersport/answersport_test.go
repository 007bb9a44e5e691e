package answersport

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// The port routes each path to its owner, and what changes state under
// /_arena/ answers only this machine's names, in both of its shapes (up's, with
// a control API and reset; serve's, without).
func TestHandlerRoutesAndGuards(t *testing.T) {
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.Namespace("ns")
	if err != nil {
		t.Fatal(err)
	}
	kv, edge := KV(ns, "edge", 0)
	if edge == nil {
		t.Fatal("edge mode has no edge KV")
	}
	api := answers.New(kv, answers.Options{Logger: zerolog.Nop()})
	const token = "0123456789abcdef0123456789abcdef"
	mark := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Header().Set("X-Route", name+" "+r.URL.Path) })
	}
	up := Handler(Options{API: api, Store: st, Namespace: "ns", Access: control.Access{Hosts: []string{"127.0.0.1"}, Token: token}, Edge: edge,
		Control: mark("control"), Reset: mark("reset"), Log: zerolog.Nop()})
	serve := Handler(Options{API: api, Store: st, Namespace: "ns", Access: control.Access{Hosts: []string{"127.0.0.1", "answers"}, Token: token}, Log: zerolog.Nop()})
	for _, tc := range []struct {
		name         string
		h            http.Handler
		method, path string
		host         string
		peer, token  string // "" peer = loopback
		status       int
		route        string
	}{
		{"control API, prefix stripped", up, "GET", "/_arena/api/services", "127.0.0.1", "", "", 200, "control /api/services"},
		{"control API from a foreign name", up, "GET", "/_arena/api/services", "evil.example", "", "", 403, ""},
		{"reset", up, "POST", "/_arena/reset", "localhost", "", "", 200, "reset /_arena/reset"},
		{"reset from a foreign name", up, "POST", "/_arena/reset", "evil.example", "", "", 403, ""},
		{"propagate in edge mode", up, "POST", "/_arena/kv/propagate", "127.0.0.1", "", "", 200, ""},
		{"propagate from a foreign name", up, "POST", "/_arena/kv/propagate", "evil.example", "", "", 403, ""},
		{"serve: an allowed host", serve, "GET", "/_arena/kv/propagation", "answers", "", "", 200, ""},
		{"serve has no control API", serve, "GET", "/_arena/api/services", "127.0.0.1", "", "", 404, ""},
		{"the API", serve, "GET", "/healthz", "127.0.0.1", "", "", 200, ""},
		{"reset from the LAN without the token", up, "POST", "/_arena/reset", "127.0.0.1", "192.0.2.7:4000", "", 401, ""},
		{"reset from the LAN with the token", up, "POST", "/_arena/reset", "127.0.0.1", "192.0.2.7:4000", token, 200, "reset /_arena/reset"},
		{"service control from loopback without the token", up, "POST", "/_arena/api/services/web/restart", "127.0.0.1", "", "", 401, ""},
		{"service control with the token", up, "POST", "/_arena/api/services/web/restart", "127.0.0.1", "", token, 200, "control /api/services/web/restart"},
		{"KV limits are the API's, not the KV browser's", serve, "GET", "/_arena/kv/limits", "127.0.0.1", "", "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Host = tc.host
			req.RemoteAddr = "127.0.0.1:50000"
			if tc.peer != "" {
				req.RemoteAddr = tc.peer
			}
			if tc.token != "" {
				req.Header.Set(control.TokenHeader, tc.token)
			}
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, req)
			if rec.Code != tc.status || rec.Header().Get("X-Route") != tc.route {
				t.Fatalf("%s %s (Host %s): %d route %q, want %d route %q\n%s", tc.method, tc.path, tc.host,
					rec.Code, rec.Header().Get("X-Route"), tc.status, tc.route, rec.Body.String())
			}
		})
	}
}
