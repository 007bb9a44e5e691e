package answers

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// A write through the API is served by the very next GET: the cached response
// follows the namespace's generation.
func TestCachedCategoryDroppedOnWrite(t *testing.T) {
	_, _, do := cachingServer(t)
	for i, w := range []struct{ method, path, body, want string }{
		{"POST", "/answers/grape", `{"label": "Merlot"}`, `"merlot"`},
		{"PUT", "/answers/grape/merlot", `{"label": "MERLOT"}`, `"MERLOT"`},
		{"PUT", "/answers/grape", `["Syrah"]`, `"syrah"`},
		{"DELETE", "/answers/grape/syrah", ``, `[]`},
	} {
		do("GET", "/answers/grape", "") // cache the current list
		if code, body := do(w.method, w.path, w.body); code >= 300 {
			t.Fatalf("write %d: %d %s", i, code, body)
		}
		if _, body := do("GET", "/answers/grape", ""); !strings.Contains(body, w.want) {
			t.Errorf("GET right after %s %s: %s; want %s", w.method, w.path, body, w.want)
		}
	}
}

// cachingServer is a server over a fresh namespace, and a way to send it a
// request (status and body back).
func cachingServer(t *testing.T) (*emulator.Namespace, *Server, func(method, path, body string) (int, string)) {
	t.Helper()
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ns, err := st.Namespace("ns")
	if err != nil {
		t.Fatal(err)
	}
	srv := New(ns, Options{Logger: zerolog.Nop()})
	return ns, srv, func(method, path, body string) (int, string) {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body)))
		return w.Code, w.Body.String()
	}
}
