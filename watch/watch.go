// Package watch follows files for `up --watch` with fsnotify (inotify on Linux;
// no polling): exact files (arena-dev.toml, env files, .dev.vars, the wrangler
// config) and per-service globs under a directory, with ignore globs. Changes are
// debounced and coalesced: one Batch names every rule hit since the last one.
package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sommelier-arena/arena-dev/internal/glob"
)

// DefaultDebounce is how long the files must be quiet before a Batch is sent.
const DefaultDebounce = 300 * time.Millisecond

// maxDelayFactor bounds a debounce that changes keep extending: a Batch goes out
// after this many debounce periods whatever happens (a build writing for minutes
// still gets its first changes applied).
const maxDelayFactor = 10

// Pruned are directory names never descended into below a glob's fixed part:
// their trees are huge (node_modules, .git) or written by arena-dev itself
// (.wrangler holds its logs and run file), which would restart a service forever.
var Pruned = []string{".git", "node_modules", ".wrangler"}

// Rule is one thing to follow, reported by Name when it changes.
type Rule struct {
	Name   string
	Files  []string       // absolute paths of single files; they need not exist yet
	Dir    string         // absolute: what Globs and Ignore are relative to
	Globs  []glob.Pattern // files under Dir
	Ignore []glob.Pattern // excluded from Globs
}

// Batch is one debounced set of changes.
type Batch struct {
	Names []string // the rules hit, sorted
	Paths []string // the changed paths, sorted
}

// Options tune a Watcher.
type Options struct {
	Debounce time.Duration // 0 = DefaultDebounce
}

// Watcher follows its rules until Close.
type Watcher struct {
	rules    []Rule
	debounce time.Duration
	fw       *fsnotify.Watcher
	out      chan Batch
	errs     chan error
	done     chan struct{}
	closed   sync.Once
	wg       sync.WaitGroup

	mu      sync.Mutex
	watched map[string]bool // directories with an inotify watch
}

// New starts following rules.
func New(rules []Rule, o Options) (*Watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watching files: %w", err)
	}
	w := &Watcher{rules: rules, debounce: o.Debounce, fw: fw,
		out: make(chan Batch), errs: make(chan error, 16), done: make(chan struct{}), watched: map[string]bool{}}
	if w.debounce <= 0 {
		w.debounce = DefaultDebounce
	}
	for _, r := range rules {
		for _, f := range r.Files {
			if err := w.add(filepath.Dir(f)); err != nil {
				fw.Close()
				return nil, err
			}
		}
		for _, g := range r.Globs {
			if err := w.addTree(r, g, filepath.Join(r.Dir, filepath.FromSlash(g.Base())), nil); err != nil {
				fw.Close()
				return nil, err
			}
		}
	}
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

// C delivers the batches.
func (w *Watcher) C() <-chan Batch { return w.out }

// Errors delivers what the watcher could not follow (a directory it could not
// watch, an overflowed event queue: then every rule is reported as changed).
func (w *Watcher) Errors() <-chan error { return w.errs }

// Close stops watching; C is not closed, Close only returns once nothing more is sent.
func (w *Watcher) Close() error {
	var err error
	w.closed.Do(func() {
		close(w.done)
		err = w.fw.Close()
		w.wg.Wait()
	})
	return err
}

// add watches one directory; a directory that does not exist is watched from
// its nearest existing parent, so creating it is seen.
func (w *Watcher) add(dir string) error {
	for {
		st, err := os.Stat(dir)
		if err == nil && st.IsDir() {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return fmt.Errorf("watching %s: no existing parent", dir)
		}
		dir = parent
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.watched[dir] {
		return nil
	}
	if err := w.fw.Add(dir); err != nil {
		return fmt.Errorf("watching %s: %w", dir, err)
	}
	w.watched[dir] = true
	return nil
}

// addTree watches root and the directories below it where g may match and that
// are neither ignored nor pruned; found, when set, gets the files already there
// (a directory created after the watch started may hold files written before
// its own watch was added).
func (w *Watcher) addTree(r Rule, g glob.Pattern, root string, found func(string)) error {
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() {
		return w.add(filepath.Dir(root)) // a single file, or not there yet
	}
	fixed := filepath.Join(r.Dir, filepath.FromSlash(g.Base()))
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // vanished meanwhile: its removal is an event of its own
		}
		rel := relSlash(r.Dir, p)
		if !d.IsDir() {
			if found != nil && r.matches(rel) {
				found(p)
			}
			return nil
		}
		if p != root && (!g.MayMatchBelow(rel) || ignoredDir(r, rel) || (isPruned(d.Name()) && len(p) > len(fixed))) {
			return filepath.SkipDir
		}
		return w.add(p)
	})
}

func isPruned(name string) bool {
	for _, n := range Pruned {
		if n == name {
			return true
		}
	}
	return false
}

func ignoredDir(r Rule, rel string) bool {
	for _, ig := range r.Ignore {
		if ig.Match(rel) {
			return true
		}
	}
	return false
}

func relSlash(dir, p string) string {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}

// matches: rel (relative to r.Dir) is under a glob and not ignored.
func (r Rule) matches(rel string) bool {
	if strings.HasPrefix(rel, "../") || rel == ".." {
		return false
	}
	hit := false
	for _, g := range r.Globs {
		if g.Match(rel) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	for _, ig := range r.Ignore {
		if ig.Match(rel) {
			return false
		}
	}
	return !prunedPath(r, rel)
}

// prunedPath: rel passes through a pruned directory below every glob's fixed part.
func prunedPath(r Rule, rel string) bool {
	segs := strings.Split(rel, "/")
	for _, g := range r.Globs {
		if !g.Match(rel) {
			continue
		}
		fixed := 0
		if b := g.Base(); b != "." {
			fixed = len(strings.Split(b, "/"))
		}
		pruned := false
		for i := fixed; i < len(segs)-1; i++ {
			if isPruned(segs[i]) {
				pruned = true
			}
		}
		if !pruned {
			return false
		}
	}
	return true
}

// hits are the rule names path concerns.
func (w *Watcher) hits(path string) []string {
	var out []string
	for _, r := range w.rules {
		hit := false
		for _, f := range r.Files {
			if f == path {
				hit = true
			}
		}
		if !hit && len(r.Globs) > 0 && r.matches(relSlash(r.Dir, path)) {
			hit = true
		}
		if hit {
			out = append(out, r.Name)
		}
	}
	return out
}

// grow watches a directory created under a glob's tree, reporting the files
// already in it.
func (w *Watcher) grow(dir string, note func(string)) {
	for _, r := range w.rules {
		for _, f := range r.Files {
			// A directory on the way to a file that did not exist: go deeper.
			if rel := relSlash(dir, filepath.Dir(f)); rel == "." || !strings.HasPrefix(rel, "..") {
				if err := w.add(filepath.Dir(f)); err != nil {
					w.report(err)
				}
				if _, err := os.Stat(f); err == nil {
					note(f)
				}
			}
		}
		for _, g := range r.Globs {
			base := filepath.Join(r.Dir, filepath.FromSlash(g.Base()))
			rel := relSlash(base, dir)
			if rel == ".." || strings.HasPrefix(rel, "../") {
				continue
			}
			if !g.MayMatchBelow(relSlash(r.Dir, dir)) || ignoredDir(r, relSlash(r.Dir, dir)) {
				continue
			}
			if err := w.addTree(r, g, dir, note); err != nil {
				w.report(err)
			}
		}
	}
}

func (w *Watcher) report(err error) {
	select {
	case w.errs <- err:
	default: // nobody reads errors fast enough: the next batch still comes
	}
}

// loop debounces events into batches.
func (w *Watcher) loop() {
	defer w.wg.Done()
	names, paths := map[string]bool{}, map[string]bool{}
	var quiet, limit *time.Timer
	var quietC, limitC <-chan time.Time
	var ready bool
	note := func(p string) {
		hit := w.hits(p)
		for _, n := range hit {
			names[n] = true
		}
		if len(hit) == 0 {
			return
		}
		paths[p] = true
		if quiet == nil {
			quiet, limit = time.NewTimer(w.debounce), time.NewTimer(w.debounce*maxDelayFactor)
			quietC, limitC = quiet.C, limit.C
		} else {
			quiet.Reset(w.debounce)
		}
	}
	fire := func() {
		quiet.Stop()
		limit.Stop()
		quiet, limit, quietC, limitC = nil, nil, nil, nil
		ready = len(names) > 0
	}
	for {
		var out chan Batch
		var b Batch
		if ready {
			out, b = w.out, batchOf(names, paths)
		}
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod {
				continue // touch, chmod: content unchanged
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					w.grow(ev.Name, note)
				}
			}
			note(ev.Name)
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				for _, r := range w.rules { // events were lost: assume everything changed
					names[r.Name] = true
				}
				if quiet == nil {
					quiet, limit = time.NewTimer(w.debounce), time.NewTimer(w.debounce*maxDelayFactor)
					quietC, limitC = quiet.C, limit.C
				}
			}
			w.report(err)
		case <-quietC:
			fire()
		case <-limitC:
			fire()
		case out <- b:
			// Changes noted since the debounce ended went out in this batch too.
			if quiet != nil {
				quiet.Stop()
				limit.Stop()
				quiet, limit, quietC, limitC = nil, nil, nil, nil
			}
			names, paths, ready = map[string]bool{}, map[string]bool{}, false
		}
	}
}

func batchOf(names, paths map[string]bool) Batch {
	b := Batch{}
	for n := range names {
		b.Names = append(b.Names, n)
	}
	for p := range paths {
		b.Paths = append(b.Paths, p)
	}
	sort.Strings(b.Names)
	sort.Strings(b.Paths)
	return b
}
