package emulator

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/powercut"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// powerCut is the simulated power failure of one storm cycle; nil in the crash
// storm (a SIGKILL only), where every method is a no-op.
type powerCut struct {
	fs   *powercut.FS
	done atomic.Bool
}

func (c *powerCut) cut() {
	if c != nil {
		c.fs.Cut()
		c.done.Store(true)
	}
}

func (c *powerCut) happened() bool { return c != nil && c.done.Load() }

// modelNS is the namespace the in-process writer puts, deletes and restores
// (what a reset runs) in, apart from the API's: a restore replaces a whole
// namespace.
const modelNS = "powercut-model"

// TestPowerCutStorm: the crash storm's load (`arena-dev serve` under HTTP
// clients, `kv key put` processes) plus an in-process writer that puts,
// deletes and restores snapshots, all on a FUSE mount (internal/powercut) whose
// power is cut at a random moment; the processes are then killed, and the state
// is what had been fsynced (bytes) under fsynced names, nothing more. That
// state must open and read cleanly in arena-dev and in Miniflare 3, with every
// acknowledged write. The next cycle runs on it. 3 cuts in make test, 30 under
// make soak.
func TestPowerCutStorm(t *testing.T) {
	cuts := 3
	if os.Getenv("ARENA_DEV_SOAK") != "" {
		cuts = 30
	}
	seed := stormSeed(t)
	rng := rand.New(rand.NewPCG(seed, 7))
	bin := testenv.ArenaDev(t)
	cwd := t.TempDir()
	backing := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(backing, 0o755); err != nil {
		t.Fatal(err)
	}
	posted := map[string][][]byte{}
	kv := map[string][]byte{}
	tally := stormTally{lost: map[string]bool{}}
	model := map[string]string{} // the model namespace as last acknowledged
	var modelOps, syncs int
	start := time.Now()
	for cycle := range cuts {
		fsys, mnt := powercut.MountOverForTest(t, backing)
		cut := &powerCut{fs: fsys}
		snap := filepath.Join(t.TempDir(), "snap")
		w := startModelWriter(t, mnt, snap, cycle, rng.Uint64(), model, cut)
		killAfter := rng.IntN(40)
		jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
		c := runAPICycle(t, bin, cwd, mnt, cycle, killAfter, jitter, rng.Uint64(), cut)
		acked, pending, ops := w.stop()
		modelOps += ops
		syncs += fsys.Syncs()
		if err := fsys.Unmount(); err != nil {
			t.Fatalf("cycle %d: %v", cycle, err)
		}
		img := filepath.Join(t.TempDir(), "state")
		if err := fsys.Image(img); err != nil {
			t.Fatal(err)
		}
		for cat, bodies := range c.posted {
			posted[cat] = append(posted[cat], bodies...)
			tally.posts += len(bodies)
		}
		maps.Copy(kv, c.kv)
		tally.kvPuts += len(c.kv)
		tally.inFlight += c.inFlight
		if !checkAPIState(t, img, cycle, posted, kv, &tally) {
			break
		}
		got, ok := checkModel(t, img, cycle, acked, pending, &tally)
		if !ok {
			break
		}
		model = got
		backing = img
	}
	t.Logf("FIGURE power cuts: %d cuts (FUSE, unsynced data dropped) under `arena-dev serve` with %d HTTP clients, `kv key put` processes and an in-process put/delete/restore writer: %d acknowledged POSTs, %d acknowledged kv puts, %d acknowledged put/delete/restore ops, %d fsyncs recorded; %d lost acknowledged writes, %d unreadable states (arena-dev and Miniflare 3); %.0f s, seed %d",
		cuts, stormClients, tally.posts, tally.kvPuts, modelOps, syncs, len(tally.lost), tally.unreadable, time.Since(start).Seconds(), seed)
	if len(tally.lost) != 0 || tally.unreadable != 0 {
		t.Errorf("%d lost acknowledged writes, %d unreadable states; want 0, 0", len(tally.lost), tally.unreadable)
	}
	if tally.posts == 0 || tally.kvPuts == 0 || modelOps == 0 {
		t.Errorf("the storm acknowledged %d POSTs, %d kv puts, %d model ops: it tested nothing", tally.posts, tally.kvPuts, modelOps)
	}
}

// modelWriter runs put, delete and restore on modelNS, one at a time, keeping
// the namespace's contents as of the last acknowledged operation and as they
// would be if the one in flight landed.
type modelWriter struct {
	quit chan struct{}
	done chan struct{}
	// written by the writer goroutine, read after done
	acked, pending map[string]string
	ops            int
}

func startModelWriter(t *testing.T, root, snap string, cycle int, seed uint64, start map[string]string, cut *powerCut) *modelWriter {
	t.Helper()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := s.Namespace(modelNS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ns.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	saved := maps.Clone(start)
	w := &modelWriter{quit: make(chan struct{}), done: make(chan struct{}), acked: maps.Clone(start), pending: maps.Clone(start)}
	go func() {
		defer close(w.done)
		defer s.Close() // after the cut its last checkpoint fails: nothing to report
		r := rand.New(rand.NewPCG(seed, 11))
		for i := 0; ; i++ {
			select {
			case <-w.quit:
				return
			default:
			}
			key := fmt.Sprintf("m:%d", r.IntN(6))
			next := maps.Clone(w.acked)
			var op func() error
			switch n := r.IntN(10); {
			case n < 6:
				val := fmt.Sprintf("c%03d i%05d", cycle, i)
				next[key] = val
				op = func() error { _, err := ns.Put(key, []byte(val), PutOptions{}); return err }
			case n < 9:
				delete(next, key)
				op = func() error { return ns.Delete(key) }
			default:
				next = maps.Clone(saved)
				op = func() error { return ns.RestoreSnapshot(snap) }
			}
			w.pending = next
			if err := op(); err != nil {
				if !cut.happened() {
					t.Errorf("cycle %d: model op %d before the cut: %v", cycle, i, err)
				}
				return
			}
			w.acked = next
			w.ops++
		}
	}()
	return w
}

// stop ends the writer (after the cut) and returns its model.
func (w *modelWriter) stop() (acked, pending map[string]string, ops int) {
	close(w.quit)
	<-w.done
	return w.acked, w.pending, w.ops
}

// checkModel reads modelNS from the image in arena-dev and Miniflare 3: its
// contents must be the last acknowledged ones, or those of the operation in
// flight at the cut, and every key must read. It returns what it found.
func checkModel(t *testing.T, root string, cycle int, acked, pending map[string]string, tally *stormTally) (map[string]string, bool) {
	t.Helper()
	s, err := Open(root)
	if err != nil {
		tally.unreadable++
		t.Errorf("cycle %d: opening the image: %v", cycle, err)
		return nil, false
	}
	defer s.Close()
	ns, err := s.Namespace(modelNS)
	if err != nil {
		tally.unreadable++
		t.Errorf("cycle %d: opening %s in the image: %v", cycle, modelNS, err)
		return nil, false
	}
	got := map[string]string{}
	res, err := ns.List(ListOptions{})
	if err != nil {
		tally.unreadable++
		t.Errorf("cycle %d: listing %s: %v", cycle, modelNS, err)
		return nil, false
	}
	for _, k := range res.Keys {
		v, err := ns.Get(k.Name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			tally.unreadable++
			t.Errorf("cycle %d: arena-dev reading %s: %v", cycle, k.Name, err)
			return nil, false
		}
		got[k.Name] = string(v)
	}
	if !maps.Equal(got, acked) && !maps.Equal(got, pending) {
		tally.lost["model cycle "+strconv.Itoa(cycle)] = true
		t.Errorf("cycle %d: %s holds %v; acknowledged %v (in flight: %v)", cycle, modelNS, got, acked, pending)
	}
	mf := startMiniflare(t, root, modelNS)
	defer mf.quit()
	for k, want := range got {
		if g := mf.get(k); !g.Found || string(g.Base64) != want {
			tally.unreadable++
			t.Errorf("cycle %d: Miniflare reads %s as %q (found %v), arena-dev as %q", cycle, k, g.Base64, g.Found, want)
		}
	}
	for k := range acked {
		if _, ok := got[k]; !ok {
			if g := mf.get(k); g.Found {
				t.Errorf("cycle %d: Miniflare finds %s, arena-dev does not", cycle, k)
			}
		}
	}
	return got, true
}
