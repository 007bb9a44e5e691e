package main

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// serveAPI serves arena-dev's API over a fresh state, wrapped by wrap.
func serveAPI(t *testing.T, wrap func(http.Handler) http.Handler) string {
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: wrap(answers.New(ns, answers.Options{Logger: zerolog.Nop()}))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// --against runs the suite outside go test: every step passes on arena-dev (its
// extensions detected), and a server that breaks one step fails that step, exit 1.
func TestConformanceAgainstURL(t *testing.T) {
	good := serveAPI(t, func(h http.Handler) http.Handler { return h })
	out, errOut, code := runArenaDev(t, t.TempDir(), "conformance", "--against", good)
	if code != 0 || !strings.Contains(out, "13 passed, 0 failed") || !strings.Contains(out, "arena-dev extensions: true") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	bad := serveAPI(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" && r.URL.Path == "/healthz" {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	out, errOut, code = runArenaDev(t, t.TempDir(), "conformance", "--against", bad)
	if code != 1 || !strings.Contains(out, "healthz               FAIL") || !strings.Contains(out, "12 passed, 1 failed") ||
		!strings.Contains(out, "GET /healthz: status 503, want 200") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestConformanceWithoutAStackIsNotRunning(t *testing.T) {
	_, errOut, code := runArenaDev(t, testenv.ExampleCopy(t), "conformance")
	if code != 3 || !strings.Contains(errOut, "not running") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// --diff on the example as shipped: the Worker and arena-dev agree on the seeded
// state and on every request of the suite.
func TestConformanceDiffPassesOnTheExample(t *testing.T) {
	ex := testenv.ExampleCopy(t)
	testenv.RequireFile(t, filepath.Join(ex, "node_modules", ".bin", "wrangler"))
	if _, errOut, code := runArenaDev(t, ex, "seed"); code != 0 {
		t.Fatalf("seed: %s", errOut)
	}
	out, errOut, code := runArenaDev(t, ex, "conformance", "--diff")
	if code != 0 || !strings.Contains(out, "5 keys of namespace wine-answers-ns copied") || !strings.Contains(out, "no differences") ||
		!strings.Contains(out, "the suite on arena-dev meanwhile: 11 passed, 0 failed") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// A team changes its Worker (one error code): --diff names the endpoint and the
// difference, and exits 1.
func TestConformanceDiffNamesAChangedErrorCode(t *testing.T) {
	ex := testenv.ExampleCopy(t)
	src := filepath.Join(ex, "wine-answers-worker", "src", "index.ts")
	code, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(code), `"unknown_category"`, `"no_such_category"`, 1)
	if changed == string(code) {
		t.Fatal("the Worker has no unknown_category error code to change")
	}
	if err := os.WriteFile(src, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, exit := runArenaDev(t, ex, "conformance", "--diff")
	want := `GET /answers/colour: body error.code: arena-dev "unknown_category", Worker "no_such_category"`
	if exit != 1 || !strings.Contains(out, want) || !strings.Contains(errOut, "arena-dev and the Worker differ") {
		t.Fatalf("exit %d, want 1 and %q in\n%s%s", exit, want, out, errOut)
	}
	// Every request of that category's error cases differs the same way.
	for _, req := range []string{"POST /answers/colour", "PUT /answers/colour/red", "DELETE /answers/colour/red"} {
		if !strings.Contains(out, req+" ") && !strings.Contains(out, req+":") {
			t.Errorf("no difference reported for %s:\n%s", req, out)
		}
	}
}

// Defect 5 of issue 16: a step that fails alike on both sides is no
// difference, but not a pass: with the Worker's CORS_ORIGINS "*" both allow the
// suite's denied origin, so its CORS step fails on both, and --diff exits 1.
func TestConformanceDiffFailsWhenAStepFailsOnBothSides(t *testing.T) {
	ex := testenv.ExampleCopy(t)
	testenv.RequireFile(t, filepath.Join(ex, "node_modules", ".bin", "wrangler"))
	if err := os.WriteFile(filepath.Join(ex, "wine-answers-worker", ".dev.vars"), []byte("CORS_ORIGINS=*\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runArenaDev(t, ex, "conformance", "--diff")
	if code != 1 || !strings.Contains(out, "no differences") || !strings.Contains(out, "1 failed") ||
		!strings.Contains(errOut, "failed (alike on both sides)") {
		t.Fatalf("exit %d, want 1 with no differences and a failed step\n%s%s", code, out, errOut)
	}
}
