package watch

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/glob"
)

// deadline bounds every wait for a batch: generous for a loaded machine, and
// never a readiness stand-in (the test waits on the channel, not on a clock).
const deadline = 20 * time.Second

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	select {
	case b := <-w.C():
		return b
	case err := <-w.Errors():
		t.Fatalf("watch error: %v", err)
	case <-time.After(deadline):
		t.Fatal("no batch within the deadline")
	}
	return Batch{}
}

func globs(ps ...string) []glob.Pattern {
	out := make([]glob.Pattern, len(ps))
	for i, p := range ps {
		out[i] = glob.MustCompile(p)
	}
	return out
}

func start(t *testing.T, rules []Rule, debounce time.Duration) *Watcher {
	t.Helper()
	w, err := New(rules, Options{Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestFilesAndGlobs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "arena-dev.toml")
	write(t, cfg, "a")
	write(t, filepath.Join(dir, "party", "old.ts"), "x")
	w := start(t, []Rule{
		{Name: "config", Files: []string{cfg, filepath.Join(dir, "w", ".dev.vars")}},
		{Name: "partykit", Dir: dir, Globs: globs("party/**"), Ignore: globs("**/*.tmp")},
		{Name: "astro", Dir: dir, Globs: globs("src/**/*.astro")},
	}, 50*time.Millisecond)

	cases := []struct {
		name   string
		change func()
		names  []string
		paths  []string // relative to dir
	}{
		{"config written", func() { write(t, cfg, "b") }, []string{"config"}, []string{"arena-dev.toml"}},
		{"config replaced by rename (an editor's atomic save)", func() {
			write(t, cfg+".swp", "c")
			if err := os.Rename(cfg+".swp", cfg); err != nil {
				t.Fatal(err)
			}
		}, []string{"config"}, []string{"arena-dev.toml"}},
		// Ignored and unwatched files first: had they counted, they would be in
		// the same batch as the file that does.
		{"ignored, then matching", func() {
			write(t, filepath.Join(dir, "party", "x.tmp"), "1")
			write(t, filepath.Join(dir, "other", "y.ts"), "1")
			write(t, filepath.Join(dir, "party", "old.ts"), "2")
		}, []string{"partykit"}, []string{"party/old.ts"}},
		{"a new directory deep under the glob", func() {
			write(t, filepath.Join(dir, "party", "a", "b", "c.ts"), "1")
		}, []string{"partykit"}, []string{"party/a", "party/a/b", "party/a/b/c.ts"}},
		{"node_modules below a glob is pruned", func() {
			write(t, filepath.Join(dir, "src", "node_modules", "m", "x.astro"), "1")
			write(t, filepath.Join(dir, "src", "pages", "index.astro"), "1")
		}, []string{"astro"}, []string{"src/pages/index.astro"}},
		{"a file that did not exist", func() {
			write(t, filepath.Join(dir, "w", ".dev.vars"), "A=1")
		}, []string{"config"}, []string{"w/.dev.vars"}},
		{"two rules at once", func() {
			write(t, cfg, "d")
			write(t, filepath.Join(dir, "party", "z.ts"), "1")
		}, []string{"config", "partykit"}, []string{"arena-dev.toml", "party/z.ts"}},
	}
	for _, c := range cases {
		t.Log(c.name)
		c.change()
		b := next(t, w)
		var rel []string
		for _, p := range b.Paths {
			rel = append(rel, relSlash(dir, p))
		}
		// A directory created with its files may be reported or not, depending on
		// whether its own watch came before them: only the files must be there.
		for _, want := range c.paths {
			if !slices.Contains(rel, want) && filepath.Ext(want) != "" {
				t.Errorf("%s: paths %v lack %s", c.name, rel, want)
			}
		}
		for _, got := range rel {
			if !slices.Contains(c.paths, got) {
				t.Errorf("%s: unexpected path %s in %v", c.name, got, rel)
			}
		}
		if !slices.Equal(b.Names, c.names) {
			t.Errorf("%s: names %v; want %v", c.name, b.Names, c.names)
		}
	}
}

// TestDebounceCoalesces: a burst of writes is one batch.
func TestDebounceCoalesces(t *testing.T) {
	dir := t.TempDir()
	w := start(t, []Rule{{Name: "svc", Dir: dir, Globs: globs("**/*.ts")}}, 500*time.Millisecond)
	var want []string
	for i := range 20 {
		p := filepath.Join(dir, "f"+string(rune('a'+i))+".ts")
		write(t, p, "x")
		want = append(want, p)
	}
	b := next(t, w)
	if !slices.Equal(b.Paths, want) || !slices.Equal(b.Names, []string{"svc"}) {
		t.Fatalf("one batch of 20: got %d paths %v, names %v", len(b.Paths), b.Paths, b.Names)
	}
}

// TestNoChangeLost: changes made around a batch's delivery are in it or in the
// next one, never dropped.
func TestNoChangeLost(t *testing.T) {
	dir := t.TempDir()
	w := start(t, []Rule{{Name: "a", Dir: dir, Globs: globs("a/*")}, {Name: "b", Dir: dir, Globs: globs("b/*")}}, 20*time.Millisecond)
	write(t, filepath.Join(dir, "a", "1"), "x")
	first := next(t, w)
	write(t, filepath.Join(dir, "b", "1"), "x")
	write(t, filepath.Join(dir, "a", "2"), "x")
	second := next(t, w)
	got := append(first.Paths, second.Paths...)
	for _, p := range []string{"a/1", "b/1", "a/2"} {
		if !slices.Contains(got, filepath.Join(dir, p)) {
			t.Errorf("%s missing from %v", p, got)
		}
	}
}

func TestCloseStops(t *testing.T) {
	w, err := New([]Rule{{Name: "x", Dir: t.TempDir(), Globs: globs("**")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // twice is fine
		t.Fatal(err)
	}
}
