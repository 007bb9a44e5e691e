package answers_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// BenchmarkHandlerGetColorLimits: what --kv-limits costs a GET in process, side
// by side: off (counted in memory), production and free (each GET one read
// counted in the state folder's SQLite, one transaction).
//
//	go test ./answers -run '^$' -bench BenchmarkHandlerGetColorLimits -benchmem
func BenchmarkHandlerGetColorLimits(b *testing.B) {
	for _, mode := range []kvlimits.Mode{kvlimits.Off, kvlimits.Production, kvlimits.Free} {
		b.Run(string(mode), func(b *testing.B) {
			root := filepath.Join(b.TempDir(), "state")
			ns := openNamespace(b, root)
			lim, err := kvlimits.Start(root, mode, kvlimits.Options{Quotas: kvlimits.Quotas{Reads: 1 << 40}})
			if err != nil {
				b.Fatal(err)
			}
			defer lim.Close()
			srv := answers.New(kvlimits.WrapWrites(ns, lim), answers.Options{Logger: zerolog.Nop(), Limits: lim, Namespace: ns.ID()})
			if _, err := seeds.SeedEmpty(srv.Store()); err != nil {
				b.Fatal(err)
			}
			lim.Arm()
			req, _ := http.NewRequest("GET", "http://127.0.0.1:8787/answers/color", nil)
			req.RequestURI = "/answers/color"
			w := &nullResponse{h: http.Header{}}
			b.ReportAllocs()
			for range b.N {
				clear(w.h)
				srv.ServeHTTP(w, req)
			}
		})
	}
}
