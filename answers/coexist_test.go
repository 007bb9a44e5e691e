package answers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// coexistCategories are written by both sides (vintage only takes years).
var coexistCategories = []string{"color", "country", "grape", "wine"}

const (
	coexistArenaClients  = 3
	coexistWorkerClients = 2
)

// sideTally counts one side's POSTs by outcome.
type sideTally struct {
	mu       sync.Mutex
	requests int
	acked    map[string][]answers.Entry // category -> the entries of its 201s
	statuses map[int]int                // every non-201 status
	locks    int                        // the Worker's 500s from its KV put meeting the write lock
	failed   int                        // no HTTP answer at all
}

func newSideTally() *sideTally {
	return &sideTally{acked: map[string][]answers.Entry{}, statuses: map[int]int{}}
}

func (s *sideTally) errors() int {
	n := s.failed
	for _, c := range s.statuses {
		n += c
	}
	return n
}

// TestCoexistWithWorkerUnderMiniflare: the reference Worker on real Miniflare 3
// and `arena-dev serve` (the built binary) serve one namespace, and both take
// concurrent POSTs until the Worker side has made its count (or a deadline
// passes), in two phases on the same state:
//   - "flat out": arena-dev's clients POST as fast as it answers, the most lock
//     time it can take;
//   - "paced": arena-dev takes one POST per client every 300 ms (10/s in all,
//     still far more than a developer's dashboard and scripts make).
//
// In both, arena-dev must never answer 5xx (nor any other error). workerd sets no
// SQLite busy timeout and answers 500 whenever it meets arena-dev's write lock;
// in the paced phase that must stay under 1% of its requests at soak counts
// (5% at make test's 300 requests; flat out, under 20%). Every acknowledged entry missing at the end is given a cause:
//   - an arena-dev entry dropped by the Worker's unlocked get-then-put, named by
//     arena-dev's lost-update record ("changed underneath" warning, /_arena/lost);
//   - an arena-dev entry dropped likewise but not named: the record judges only
//     arena-dev's last write of a category, so a get-then-put spanning several of
//     them names only the last one's entries;
//   - a Worker entry. Each Worker client owns its categories and writes them one
//     request at a time, so Worker requests never race each other on a key, and
//     arena-dev re-applies every change to the current value inside its write
//     lock: such a loss is a Worker write from a stale read (workerd, after a
//     SQLITE_BUSY, was seen serving a get from an old snapshot and putting it
//     back). It is counted, not asserted: it is the Worker's.
func TestCoexistWithWorkerUnderMiniflare(t *testing.T) {
	root := t.TempDir()
	worker := startWorker(t, root) // first: the database is Miniflare's own creation
	arena, logs := startServeBinary(t, root)
	flat := runCoexistPhase(t, "flat out", arena, worker, logs, soakCount(120, 1200), 0)
	paced := runCoexistPhase(t, "paced", arena, worker, logs, soakCount(300, 3000), 300*time.Millisecond)
	// The paced bound is 1% over the soak's 3,000 Worker requests (0.23% seen).
	// Over make test's 300 it is 5%: there 1% is 3 meetings, and a true rate of
	// 0.5-1% on a loaded machine reaches 3 often (CI clones failed at exactly
	// 3). A lock that covered the fsync again shows flat out (35%) either way.
	pacedBound := float64(soakCount(5, 1))
	if paced.lockRate >= pacedBound {
		t.Errorf("paced: workerd met arena-dev's write lock in %.2f%% of its requests; want under %.0f%%", paced.lockRate, pacedBound)
	}
	// Flat out it varies with the machine (2.5-11% seen on 2 shared cores); the
	// bound catches the fsync coming back inside the lock (35% then).
	if flat.lockRate >= 20 {
		t.Errorf("flat out: workerd met arena-dev's write lock in %.2f%% of its requests; want under 20%%", flat.lockRate)
	}
}

type phaseResult struct{ lockRate float64 }

// runCoexistPhase drives both servers with fresh labels (its own prefix) and
// checks and reports what it did; arenaEvery 0 = flat out.
func runCoexistPhase(t *testing.T, phase, arena, worker string, logs *testenv.SyncBuffer, workerPOSTs int, arenaEvery time.Duration) phaseResult {
	deadline := time.Duration(soakCount(40, 600)) * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	arenaSide, workerSide := newSideTally(), newSideTally()
	tag := strings.ReplaceAll(phase, " ", "")
	post := func(side *sideTally, base, cat, label string) {
		body := fmt.Sprintf(`{"label": %q}`, label)
		req, _ := http.NewRequestWithContext(ctx, "POST", base+"/answers/"+cat, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		var resp []byte
		if err == nil {
			resp, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		side.mu.Lock()
		defer side.mu.Unlock()
		if ctx.Err() != nil && err != nil {
			return // cut off by the deadline: not a request that counts
		}
		side.requests++
		switch {
		case err != nil:
			side.failed++
			t.Logf("%s: POST %s/answers/%s: %v", phase, base, cat, err)
		case res.StatusCode == 201:
			var e answers.Entry
			if err := json.Unmarshal(resp, &e); err != nil {
				t.Errorf("%s: POST %s/answers/%s: 201 with %q: %v", phase, base, cat, resp, err)
				return
			}
			side.acked[cat] = append(side.acked[cat], e)
		default:
			side.statuses[res.StatusCode]++
			// workerd's KV put fails at once on SQLITE_BUSY (no busy timeout), and
			// the Worker passes on only "KV PUT failed: 500"; holding the write lock
			// from another process gives exactly that answer, and nothing else in
			// this load does.
			if res.StatusCode == 500 && bytes.Contains(resp, []byte("KV PUT failed: 500")) {
				side.locks++
			} else if side.statuses[res.StatusCode] <= 3 {
				t.Logf("%s: POST %s/answers/%s: %d %s", phase, base, cat, res.StatusCode, resp)
			}
		}
	}

	start := time.Now()
	workerDone := make(chan struct{})
	var workers, arenas sync.WaitGroup
	for w := range coexistWorkerClients {
		workers.Add(1)
		go func() {
			defer workers.Done()
			// Client w owns the categories i with i%coexistWorkerClients == w and
			// writes them one request at a time (see the test's comment).
			var mine []string
			for i, c := range coexistCategories {
				if i%coexistWorkerClients == w {
					mine = append(mine, c)
				}
			}
			for i := 0; i < workerPOSTs/coexistWorkerClients && ctx.Err() == nil; i++ {
				post(workerSide, worker, mine[i%len(mine)], fmt.Sprintf("Wörker %s %d %04d", tag, w, i))
			}
		}()
	}
	go func() { workers.Wait(); close(workerDone) }()
	// arena-dev's clients write every category for as long as the Worker side runs.
	arenaCap := 40 * workerPOSTs // a bound on the count should the Worker side stall
	var arenaN sync.Mutex
	issued := 0
	for a := range coexistArenaClients {
		arenas.Add(1)
		go func() {
			defer arenas.Done()
			var tick <-chan time.Time
			if arenaEvery > 0 {
				tk := time.NewTicker(arenaEvery) // the pace of the load, not a wait for readiness
				defer tk.Stop()
				tick = tk.C
			}
			for i := 0; ctx.Err() == nil; i++ {
				if tick != nil {
					select {
					case <-tick:
					case <-workerDone:
						return
					}
				}
				select {
				case <-workerDone:
					return
				default:
				}
				arenaN.Lock()
				issued++
				over := issued > arenaCap
				arenaN.Unlock()
				if over {
					return
				}
				cat := coexistCategories[(a+i)%len(coexistCategories)]
				post(arenaSide, arena, cat, fmt.Sprintf("Arëna %s %d %05d", tag, a, i))
			}
		}()
	}
	<-workerDone
	arenas.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Logf("%s: the %s deadline cut the run short", phase, deadline)
	}

	// arena-dev looks at every category it wrote last (GET /_arena/lost): a
	// get-then-put after its last write is recorded too. The counter and the log
	// cover both phases: only this phase's labels are looked up in them.
	var lostRep struct {
		LostWrites int64 `json:"lost_writes"`
	}
	if err := json.Unmarshal([]byte(mustStatus(t, 200, "GET", arena+"/_arena/lost", "")), &lostRep); err != nil {
		t.Fatal(err)
	}
	named := namedLost(t, logs.String())

	// Both serve the same lists at the end, and the causes of what is missing.
	var lostNamed, lostUnnamed, lostWorker int
	for _, cat := range coexistCategories {
		a, w := getList(t, arena, cat), getList(t, worker, cat)
		if !reflect.DeepEqual(a, w) {
			t.Errorf("%s: %s: arena-dev serves %d entries, the Worker %d, or they differ", phase, cat, len(a), len(w))
		}
		have := map[string]answers.Entry{}
		for _, e := range a {
			have[e.ID] = e
		}
		for _, e := range arenaSide.acked[cat] {
			if have[e.ID] == e {
				continue
			}
			if named[cat+"/"+e.ID] {
				lostNamed++
			} else {
				lostUnnamed++
			}
		}
		for _, e := range workerSide.acked[cat] {
			if have[e.ID] != e {
				lostWorker++
				t.Logf("%s: %s: the Worker's acknowledged %s is gone", phase, cat, e.ID)
			}
		}
	}

	arena5xx := 0
	for st, n := range arenaSide.statuses {
		if st >= 500 {
			arena5xx += n
		}
	}
	count := func(s *sideTally) int {
		n := 0
		for _, l := range s.acked {
			n += len(l)
		}
		return n
	}
	lockRate := 0.0
	if workerSide.requests > 0 {
		lockRate = 100 * float64(workerSide.locks) / float64(workerSide.requests)
	}
	t.Logf("FIGURE coexistence with the Worker on Miniflare 3, %s: %.1f s, arena-dev %d POSTs (%.0f/s; %d acknowledged, %d errors, %d 5xx), Worker %d POSTs (%d acknowledged, %d errors %s), workerd met arena-dev's lock %d times (%.2f%% of its requests); lost: %d arena-dev entries by the Worker's get-then-put named by arena-dev, %d not named, %d Worker entries (the Worker's own stale writes)",
		phase, elapsed.Seconds(), arenaSide.requests, float64(arenaSide.requests)/elapsed.Seconds(), count(arenaSide), arenaSide.errors(), arena5xx,
		workerSide.requests, count(workerSide), workerSide.errors(), fmtStatuses(workerSide.statuses),
		workerSide.locks, lockRate, lostNamed, lostUnnamed, lostWorker)

	if arenaSide.errors() != 0 {
		t.Errorf("%s: arena-dev answered %d POSTs with an error (%s, %d without an answer); want 0, and never a 5xx (%d)", phase, arenaSide.errors(), fmtStatuses(arenaSide.statuses), arenaSide.failed, arena5xx)
	}
	if n := workerSide.errors() - workerSide.locks; n != 0 {
		t.Errorf("%s: the Worker failed %d POSTs for another reason than the lock: %s", phase, n, fmtStatuses(workerSide.statuses))
	}
	if count(workerSide) == 0 || count(arenaSide) == 0 {
		t.Errorf("%s: acknowledged: %d by arena-dev, %d by the Worker; the test needs both", phase, count(arenaSide), count(workerSide))
	}
	// What arena-dev names lost is really lost, and counted.
	if lostNamed > 0 && lostRep.LostWrites == 0 {
		t.Errorf("%s: %d entries named lost but lost_writes is 0", phase, lostNamed)
	}
	for key := range named {
		cat, id, _ := strings.Cut(key, "/")
		for _, e := range getList(t, arena, cat) {
			if e.ID == id {
				t.Errorf("%s: arena-dev named %s lost, but it is there", phase, key)
			}
		}
	}
	return phaseResult{lockRate: lockRate}
}

func fmtStatuses(m map[int]int) string {
	var parts []string
	for st, n := range m {
		parts = append(parts, fmt.Sprintf("%d×%d", n, st))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// namedLost is the set of "category/id" that arena-dev's "changed underneath"
// warnings (its JSON log) name as lost.
func namedLost(t *testing.T, log string) map[string]bool {
	t.Helper()
	named := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l struct {
			Message    string   `json:"message"`
			Category   string   `json:"category"`
			MissingIDs []string `json:"missing_ids"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || !strings.Contains(l.Message, "changed underneath") {
			continue
		}
		for _, id := range l.MissingIDs {
			named[l.Category+"/"+id] = true
		}
	}
	return named
}

// startServeBinary runs `arena-dev serve` (the built binary, JSON logs at warn:
// the lost-update warnings without the access log) on root and returns its base
// URL once /healthz answers, and its log. It is stopped with SIGTERM when the
// test ends and must exit 0.
func startServeBinary(t *testing.T, root string) (string, *testenv.SyncBuffer) {
	t.Helper()
	port := testenv.FreePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(testenv.ArenaDev(t), "serve", "--port", strconv.Itoa(port), "--host", "127.0.0.1",
		"--persist-to", root, "--namespace-id", namespaceID, "--no-seed", "--log-level", "warn", "--log-format", "json")
	cmd.Dir = t.TempDir() // no wrangler config or arena-dev.toml to pick up
	logs := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed once waitErr is set
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if waitErr != nil && !t.Failed() {
				t.Errorf("arena-dev serve exited with %v after SIGTERM:\n%s", waitErr, logs)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("arena-dev serve did not stop within 10 s of SIGTERM")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return base, logs
			}
		}
		select {
		case <-exited:
			t.Fatalf("arena-dev serve exited before serving (%v):\n%s", waitErr, logs)
		case <-time.After(10 * time.Millisecond): // the poll interval
		}
		if time.Now().After(deadline) {
			t.Fatalf("arena-dev serve did not answer %s/healthz within 30 s:\n%s", base, logs)
		}
	}
}
