package emulator

// The crash storm at the API level. It lives in package emulator, not answers,
// because checking that no orphan blob outlives the sweep's grace period needs
// an open whose clock is past it (Store.now), and that hook is internal.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

const (
	stormNS      = "wine-answers-ns" // the reference Worker's namespace id
	stormClients = 4                 // concurrent HTTP clients POSTing to arena-dev serve
	// stormSeedEnv replays a failed run: its seed decides every kill point.
	stormSeedEnv = "ARENA_DEV_STORM_SEED"
)

// stormCategories are the categories the clients POST to (vintage only takes
// years, so it is left out).
var stormCategories = []string{"color", "country", "grape", "wine"}

// stormTally is what one run of the storm counts; the FIGURE line reports it.
type stormTally struct {
	posts, kvPuts    int             // acknowledged: a 201, an exit 0
	inFlight         int             // POSTs cut off by the kill (may or may not have landed)
	lost             map[string]bool // acknowledged writes found missing or different, in either reader, each once
	unreadable       int             // cycles whose state did not open or read cleanly in arena-dev or Miniflare
	orphans, swept   int             // blobs referenced by no row after a kill; removed past the grace
	survivingOrphans int             // orphans still there after an open past the grace (goal 0)
}

// TestAPICrashStorm: `arena-dev serve` (the built binary) takes POSTs from
// several HTTP clients while `arena-dev kv key put` processes write the same
// namespace, and is SIGKILLed at a random moment; ten cycles (100 under make
// soak). After each kill the state must open and read cleanly both in arena-dev
// (the emulator package, as `serve` opens it) and in real Miniflare 3, hold every
// acknowledged write with its exact bytes, and lose every orphan blob at the
// first open past the sweep's grace period. The next cycle's `serve` is another
// open of the same state.
func TestAPICrashStorm(t *testing.T) {
	cycles := 10
	if os.Getenv("ARENA_DEV_SOAK") != "" { // make soak
		cycles = 100
	}
	seed := stormSeed(t)
	rng := rand.New(rand.NewPCG(seed, 3))

	bin := testenv.ArenaDev(t)
	root := filepath.Join(t.TempDir(), "state")
	cwd := t.TempDir() // no wrangler config or arena-dev.toml to pick up: the flags say it all
	posted := map[string][][]byte{}
	kv := map[string][]byte{}
	tally := stormTally{lost: map[string]bool{}}
	start := time.Now()
	for cycle := range cycles {
		// killAfter 0 kills right after the server answers its first request, when
		// it may still be sweeping or writing nothing; otherwise after that many 201s.
		killAfter := rng.IntN(40)
		jitter := time.Duration(rng.IntN(3000)) * time.Microsecond
		c := runAPICycle(t, bin, cwd, root, cycle, killAfter, jitter, rng.Uint64(), nil)
		for cat, bodies := range c.posted {
			posted[cat] = append(posted[cat], bodies...)
			tally.posts += len(bodies)
		}
		for k, v := range c.kv {
			kv[k] = v
		}
		tally.kvPuts += len(c.kv)
		tally.inFlight += c.inFlight

		if !checkAPIState(t, root, cycle, posted, kv, &tally) {
			break // a state that does not open cannot be stormed further
		}
	}
	t.Logf("FIGURE crash storm (API): %d cycles of `arena-dev serve` SIGKILLed under %d HTTP clients + a `kv key put` process: %d acknowledged POSTs, %d acknowledged kv puts, %d POSTs in flight at the kills; %d lost acknowledged writes, %d unreadable states (arena-dev and Miniflare 3); %d orphan blobs left by the kills, %d swept past the grace, %d survived; %.0f s, seed %d",
		cycles, stormClients, tally.posts, tally.kvPuts, tally.inFlight, len(tally.lost), tally.unreadable, tally.orphans, tally.swept, tally.survivingOrphans, time.Since(start).Seconds(), seed)
	if len(tally.lost) != 0 || tally.unreadable != 0 || tally.survivingOrphans != 0 {
		t.Errorf("%d lost acknowledged writes, %d unreadable states, %d orphans past the grace; want 0, 0, 0", len(tally.lost), tally.unreadable, tally.survivingOrphans)
	}
	if tally.posts == 0 || tally.kvPuts == 0 {
		t.Errorf("the storm acknowledged %d POSTs and %d kv puts: it tested nothing", tally.posts, tally.kvPuts)
	}
}

// stormSeed is the seed that decides a storm's kill (or cut) points: random,
// or stormSeedEnv's to replay a failed run.
func stormSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(stormSeedEnv); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s=%q: %v", stormSeedEnv, s, err)
		}
	}
	t.Logf("seed %d (replay the kill and cut points with %s=%d)", seed, stormSeedEnv, seed)
	return seed
}

// apiCycle is what one cycle got acknowledged: per category the 201 bodies (the
// entries' exact JSON), per key the value of an exit-0 kv put.
type apiCycle struct {
	posted   map[string][][]byte
	kv       map[string][]byte
	inFlight int
}

// runAPICycle starts `arena-dev serve` on root, loads it, SIGKILLs it once
// killAfter POSTs are acknowledged (plus jitter), and returns what was
// acknowledged. The kv writer runs through the kill and stops after it. With
// cut set, the power is cut (cut.cut) just before the kill, and writes failing
// after it are expected: only what was acknowledged counts.
func runAPICycle(t *testing.T, bin, cwd, root string, cycle, killAfter int, jitter time.Duration, seed uint64, cut *powerCut) apiCycle {
	t.Helper()
	port := testenv.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--port", strconv.Itoa(port), "--host", "127.0.0.1",
		"--persist-to", root, "--namespace-id", stormNS, "--no-seed", "--log-level", "warn")
	cmd.Dir = cwd
	logs := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once waitErr is set
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() { // whatever failed, no server outlives the cycle
		cmd.Process.Kill()
		<-exited
	}()
	// A fresh transport per cycle: connections to a killed server are dead.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: stormClients}}
	defer client.CloseIdleConnections()
	waitServing(t, client, base, exited, &waitErr, logs)

	var (
		mu     sync.Mutex
		out    = apiCycle{posted: map[string][][]byte{}, kv: map[string][]byte{}}
		acks   int
		killAt = make(chan struct{})
		once   sync.Once
	)
	if killAfter == 0 {
		once.Do(func() { close(killAt) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var clients sync.WaitGroup
	for w := range stormClients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			r := rand.New(rand.NewPCG(seed, uint64(w)))
			for i := 0; ctx.Err() == nil; i++ {
				cat := stormCategories[r.IntN(len(stormCategories))]
				// Accented labels: the stored bytes must be the same UTF-8.
				body := fmt.Sprintf(`{"label": "Stürm c%03d w%d n%04d é"}`, cycle, w, i)
				status, resp, err := post(ctx, client, base+"/answers/"+cat, body)
				if err != nil { // the server died with it in flight, or the deadline passed
					mu.Lock()
					out.inFlight++
					mu.Unlock()
					return
				}
				if status != 201 {
					if cut.happened() { // an fsync failed with the power gone: not acknowledged
						mu.Lock()
						out.inFlight++
						mu.Unlock()
						return
					}
					t.Errorf("cycle %d: POST %s %s: %d %s", cycle, cat, body, status, resp)
					return
				}
				mu.Lock()
				out.posted[cat] = append(out.posted[cat], bytes.TrimSpace(resp))
				acks++
				if acks >= killAfter {
					once.Do(func() { close(killAt) })
				}
				mu.Unlock()
			}
		}()
	}
	stopKV := make(chan struct{})
	kvDone := make(chan struct{})
	go func() {
		defer close(kvDone)
		kvWriterLoop(t, bin, cwd, root, cycle, seed, stopKV, &mu, out.kv, cut)
	}()
	stopped := false
	stopLoad := func() { // runs after the kill, and on a failure's way out
		if !stopped {
			stopped = true
			cancel()
			clients.Wait()
			close(stopKV)
			<-kvDone
		}
	}
	defer stopLoad()

	select {
	case <-killAt:
	case <-exited:
		t.Fatalf("cycle %d: arena-dev serve exited by itself (%v):\n%s", cycle, waitErr, logs)
	case <-ctx.Done():
		t.Fatalf("cycle %d: %d of %d POSTs acknowledged within 30 s:\n%s", cycle, acks, killAfter, logs)
	}
	time.Sleep(jitter) // not a wait for anything: it moves the kill off the ack's heels, to a random moment
	cut.cut()          // the power goes first, when simulated: nothing after it becomes durable
	cmd.Process.Kill() // SIGKILL: no deferred code, no flush, no close
	<-exited
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) || ee.ExitCode() != -1 {
		t.Fatalf("cycle %d: arena-dev serve ended with %v, not by the SIGKILL:\n%s", cycle, waitErr, logs)
	}
	if ctx.Err() != nil {
		t.Fatalf("cycle %d: the cycle hit its 30 s deadline", cycle)
	}
	clients.Wait() // each ends on its POST cut off by the kill
	stopLoad()
	return out
}

// waitServing polls base/healthz until it answers 200, the server exits, or 30 s pass.
func waitServing(t *testing.T, client *http.Client, base string, exited <-chan struct{}, waitErr *error, logs *testenv.SyncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := client.Get(base + "/healthz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-exited:
			t.Fatalf("arena-dev serve exited before serving (%v):\n%s", *waitErr, logs)
		case <-time.After(10 * time.Millisecond): // the poll interval
		}
		if time.Now().After(deadline) {
			t.Fatalf("arena-dev serve did not answer %s/healthz within 30 s:\n%s", base, logs)
		}
	}
}

func post(ctx context.Context, client *http.Client, url, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader([]byte(body)))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil { // a 201 whose body was cut off was never acknowledged to the client
		return 0, nil, err
	}
	return res.StatusCode, b, nil
}

// kvWriterLoop runs `arena-dev kv key put` until stop closes, one process after
// another, alternating a value given as an argument (text) with one read from a
// file (binary, up to 32 KiB), and records every value whose put exited 0.
func kvWriterLoop(t *testing.T, bin, cwd, root string, cycle int, seed uint64, stop <-chan struct{}, mu *sync.Mutex, acked map[string][]byte, cut *powerCut) {
	r := rand.New(rand.NewPCG(seed, 99))
	file := filepath.Join(cwd, fmt.Sprintf("value-%d", cycle))
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		key := fmt.Sprintf("storm:c%03d:%04d", cycle, i)
		args := []string{"kv", "key", "put", key}
		var val []byte
		if i%2 == 0 {
			val = []byte(fmt.Sprintf("valeur %d ünïcödé %x", i, r.Uint64()))
			args = append(args, string(val))
		} else {
			val = make([]byte, r.IntN(32<<10))
			for j := range val {
				val[j] = byte(r.Uint32())
			}
			if err := os.WriteFile(file, val, 0o600); err != nil {
				t.Error(err)
				return
			}
			args = append(args, "--path", file)
		}
		cmd := exec.Command(bin, append(args, "--namespace-id", stormNS, "--persist-to", root)...)
		cmd.Dir = cwd
		if out, err := cmd.CombinedOutput(); err != nil {
			if cut.happened() {
				return // its fsync failed with the power gone: not acknowledged
			}
			t.Errorf("cycle %d: kv key put %s: %v\n%s", cycle, key, err, out)
			continue
		}
		mu.Lock()
		acked[key] = val
		mu.Unlock()
	}
}

// checkAPIState opens the state after a kill in arena-dev and in Miniflare 3,
// checks every acknowledged write in both, and then opens it past the sweep's
// grace period. It adds to the tally and returns false when the state did not
// open at all.
func checkAPIState(t *testing.T, root string, cycle int, posted map[string][][]byte, kv map[string][]byte, tally *stormTally) bool {
	unreadable := false // this cycle's state, in either reader
	defer func() {
		if unreadable {
			tally.unreadable++
		}
	}()
	lost := func(reader, what string, format string, args ...any) {
		if !tally.lost[what] { // a lost write stays lost: report and count it once
			tally.lost[what] = true
			t.Errorf("cycle %d: %s: acknowledged %s: %s", cycle, reader, what, fmt.Sprintf(format, args...))
		}
	}
	// arena-dev, at the real time: the kill's orphans are younger than the grace
	// period and must be left alone (a live writer's blob looks just like one).
	s, err := Open(root)
	if err != nil {
		unreadable = true
		t.Errorf("cycle %d: opening the state: %v", cycle, err)
		return false
	}
	defer s.Close()
	ns, err := s.Namespace(stormNS)
	if err != nil {
		unreadable = true
		t.Errorf("cycle %d: opening the namespace after the kill: %v", cycle, err)
		return false
	}
	read := func(key string) ([]byte, bool) {
		v, err := ns.Get(key)
		if errors.Is(err, ErrNotFound) {
			return nil, false
		}
		if err != nil {
			unreadable = true
			t.Errorf("cycle %d: arena-dev reading %s: %v", cycle, key, err)
			return nil, false
		}
		return v, true
	}
	// checkEntries looks for every acknowledged entry (its 201 body) of cat, byte
	// for byte, among the elements of the stored array.
	checkEntries := func(reader, cat string, value []byte) {
		have := map[string]bool{}
		if value != nil {
			var list []json.RawMessage
			if err := json.Unmarshal(value, &list); err != nil {
				unreadable = true
				t.Errorf("cycle %d: %s reads answers:%s as no JSON array: %v", cycle, reader, cat, err)
			}
			for _, e := range list {
				have[string(e)] = true
			}
		}
		for _, e := range posted[cat] {
			if !have[string(e)] {
				lost(reader, "POST "+cat+" "+string(e), "not in the category")
			}
		}
	}

	ours := map[string][]byte{} // what arena-dev read; Miniflare must read the same
	for _, cat := range stormCategories {
		v, ok := read("answers:" + cat)
		if ok {
			ours["answers:"+cat] = v
		}
		checkEntries("arena-dev", cat, v)
	}
	for key, want := range kv {
		v, ok := read(key)
		if ok {
			ours[key] = v
		}
		if !ok || !bytes.Equal(v, want) {
			lost("arena-dev", "kv put "+key, "reads %d bytes (found %v), want %d bytes", len(v), ok, len(want))
		}
	}
	young := orphanBlobs(t, ns)
	tally.orphans += len(young)

	// Miniflare 3, a fresh instance on the same files (workerd's own SQLite).
	mf := startMiniflare(t, root, stormNS)
	for _, cat := range stormCategories {
		g := mf.get("answers:" + cat)
		checkEntries("Miniflare", cat, g.Base64)
		if want := ours["answers:"+cat]; !bytes.Equal(g.Base64, want) {
			unreadable = true
			t.Errorf("cycle %d: Miniflare reads answers:%s as %d bytes, arena-dev as %d", cycle, cat, len(g.Base64), len(want))
		}
	}
	for key, want := range kv {
		if g := mf.get(key); !g.Found || !bytes.Equal(g.Base64, want) {
			lost("Miniflare", "kv put "+key, "reads %d bytes (found %v), want %d bytes", len(g.Base64), g.Found, len(want))
		}
	}
	mf.quit()

	// arena-dev past the grace period: the open sweeps every orphan and nothing else.
	later, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer later.Close()
	later.now = func() time.Time { return time.Now().Add(orphanGrace + time.Minute) }
	lns, err := later.Namespace(stormNS)
	if err != nil {
		unreadable = true
		t.Errorf("cycle %d: opening the namespace past the grace: %v", cycle, err)
		return false
	}
	left := orphanBlobs(t, lns)
	tally.survivingOrphans += len(left)
	tally.swept += len(young) - len(left)
	if len(left) > 0 {
		t.Errorf("cycle %d: %d orphan blobs survived an open past the grace period: %v", cycle, len(left), left)
	}
	for key, want := range ours {
		if v, err := lns.Get(key); err != nil || !bytes.Equal(v, want) {
			lost("arena-dev past the grace", key, "reads %d bytes (%v), want %d", len(v), err, len(want))
		}
	}
	return true
}
