package answers_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// nullResponse is a reusable ResponseWriter, so the benchmark counts only the
// handler's own allocations.
type nullResponse struct{ h http.Header }

func (n *nullResponse) Header() http.Header         { return n.h }
func (n *nullResponse) Write(p []byte) (int, error) { return len(p), nil }
func (n *nullResponse) WriteHeader(int)             {}

// BenchmarkHandlerGetColor: the GET path in process, without the network: the API
// alone, and behind the access log writing text lines (the default format) to a
// real file. allocs/op must stay 0: a cached GET allocates nothing (the emulator
// is read, and allocates, once a millisecond at most).
//
//	go test ./answers -run '^$' -bench BenchmarkHandlerGetColor -benchmem
func BenchmarkHandlerGetColor(b *testing.B) {
	srv := answers.New(openNamespace(b, filepath.Join(b.TempDir(), "state")), answers.Options{Logger: zerolog.Nop()})
	if _, err := seeds.SeedEmpty(srv.Store()); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	// Not closed: the access log's goroutine may still flush into it after the
	// benchmark; the temporary directory goes away with it.
	logged := answers.LogRequests(zerolog.New(zerolog.ConsoleWriter{Out: f, NoColor: true}).With().Timestamp().Logger(), srv)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:8787/answers/color", nil)
	req.RequestURI = "/answers/color"
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"api", srv}, {"api+accesslog", logged}} {
		b.Run(h.name, func(b *testing.B) {
			w := &nullResponse{h: http.Header{}}
			b.ReportAllocs()
			for range b.N {
				clear(w.h)
				h.h.ServeHTTP(w, req)
			}
		})
	}
}
