//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// BenchmarkConverge measures changing the running example stack, side by side in
// one run: under `up --watch`, from saving arena-dev.toml to the change applied
// (the changed service's new process started) and to it ready, for a light
// service (arena-dev's own cost: debounce, resolve, plan, stop, start) and for
// Astro (what a user waits for); then Astro's env changed through `up --wait`
// against a full `down` + `up --wait`.
func BenchmarkConverge(b *testing.B) {
	s := newStack(b)
	toml := filepath.Join(s.dir, config.FileName)
	gen := 0
	write := func() {
		gen++
		cfg := withAstroEnv(fmt.Sprint(gen)) + fmt.Sprintf("\n[services.tick]\ncommand = [\"sleep\", \"600\"]\nenv = { GEN = \"%d\" }\n", gen)
		if err := writeFileErr(toml, cfg); err != nil {
			b.Fatal(err)
		}
	}
	upWait := func(extra ...string) {
		if code, out := s.run(append(append([]string{"up", "--wait"}, convergeFlags...), extra...)...); code != 0 {
			b.Fatalf("up --wait: exit %d\n%s", code, out)
		}
	}
	write()
	upWait("--watch")
	// waitNew polls the run file (5 ms) until name has a process other than was,
	// then until it is ready: the two durations from t0.
	waitNew := func(name string, was int, t0 time.Time) (applied, ready time.Duration) {
		var pid int
		poll(b, name+" restarted", func() bool {
			st := s.runFile(b)[name]
			pid = st.PID
			return st.PID != was && st.PID != 0
		})
		applied = time.Since(t0)
		poll(b, name+" ready", func() bool {
			st := s.runFile(b)[name]
			return st.PID == pid && st.State == runstate.StateReady
		})
		return applied, time.Since(t0)
	}
	watched := func(name string, change func()) func(b *testing.B) {
		return func(b *testing.B) {
			var applied, ready time.Duration
			for i := 0; i < b.N; i++ {
				was := s.runFile(b)[name].PID
				t0 := time.Now()
				change()
				a, r := waitNew(name, was, t0)
				applied += a
				ready += r
			}
			b.ReportMetric(float64(applied.Milliseconds())/float64(b.N), "save-to-applied-ms")
			b.ReportMetric(float64(ready.Milliseconds())/float64(b.N), "save-to-ready-ms")
		}
	}
	// Only tick's env changes here: the same astro env each time.
	tickOnly := func() {
		gen++
		cfg := withAstroEnv("1") + fmt.Sprintf("\n[services.tick]\ncommand = [\"sleep\", \"600\"]\nenv = { GEN = \"%d\" }\n", gen)
		if err := writeFileErr(toml, cfg); err != nil {
			b.Fatal(err)
		}
	}
	astroOnly := func() {
		gen++
		if err := writeFileErr(toml, withAstroEnv(fmt.Sprint(gen))+"\n[services.tick]\ncommand = [\"sleep\", \"600\"]\nenv = { GEN = \"0\" }\n"); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("watch-light-service", watched("tick", tickOnly))
	b.Run("watch-astro", watched("astro", astroOnly))
	s.down()

	// Without --watch: the same edit applied by `up --wait`, against down + up.
	upWait()
	b.Run("up-converge", func(b *testing.B) {
		var took time.Duration
		for i := 0; i < b.N; i++ {
			astroOnly()
			t0 := time.Now()
			upWait()
			took += time.Since(t0)
		}
		b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/change")
	})
	b.Run("down-then-up", func(b *testing.B) {
		var took time.Duration
		for i := 0; i < b.N; i++ {
			astroOnly()
			t0 := time.Now()
			s.down()
			upWait()
			took += time.Since(t0)
		}
		b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms/change")
	})
	s.down()
}

func writeFileErr(path, body string) error { return os.WriteFile(path, []byte(body), 0o644) }
