package answers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// serveChildEnv makes the test binary, re-executed, serve the API over the
// emulator at the given persist root instead of running tests: a second arena-dev
// process with its own SQLite connection, locks and memory.
const serveChildEnv = "ANSWERS_TEST_SERVE_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(serveChildEnv); root != "" {
		os.Exit(serveChild(root))
	}
	os.Exit(m.Run())
}

// serveChild serves until its stdin closes, after printing its base URL.
func serveChild(root string) int {
	st, err := emulator.Open(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	ns, err := st.Namespace(namespaceID)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	fmt.Printf("http://%s\n", ln.Addr())
	if err := answers.Serve(ctx, ln, answers.New(ns, answers.Options{Logger: zerolog.New(os.Stderr)})); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChildServer starts one serving child process and returns its base URL once
// it listens (it prints the URL only after the listener is open).
func startChildServer(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+root)
	logs := &testenv.SyncBuffer{}
	cmd.Stderr = logs
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Connections the client dialed but never used count as active for the
		// server's graceful shutdown: close them first.
		http.DefaultClient.CloseIdleConnections()
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server process: %v\n%s", err, logs)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("server process did not stop within 10 s of its stdin closing")
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, out)
	}()
	select {
	case url, ok := <-line:
		if !ok || !strings.HasPrefix(url, "http://") {
			t.Fatalf("server process did not start (%q):\n%s", url, logs)
		}
		return url
	case <-time.After(30 * time.Second):
		t.Fatalf("server process printed no URL within 30 s:\n%s", logs)
	}
	return ""
}

// raceIfMatch fires, per round, several POSTs carrying the same If-Match at once,
// spread over the servers, and checks the If-Match contract across them: exactly
// one 201 per round, the others 412, and every acknowledged entry stored.
func raceIfMatch(t *testing.T, servers []string, rounds, perRound int) {
	t.Helper()
	var acked []string
	for round := range rounds {
		res, _ := httpDo(t, "GET", servers[0]+"/answers/wine", "")
		etag := res.Header.Get("ETag")
		start := make(chan struct{})
		statuses := make([]int, perRound)
		var wg sync.WaitGroup
		for i := range perRound {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res, _ := httpDo(t, "POST", servers[i%len(servers)]+"/answers/wine",
					fmt.Sprintf(`{"label": "Race %03d %02d"}`, round, i), "If-Match", etag)
				statuses[i] = res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, s := range statuses {
			switch s {
			case 201:
				won++
				acked = append(acked, fmt.Sprintf("race-%03d-%02d", round, i))
			case 412:
			default:
				t.Errorf("round %d, POST %d: status %d", round, i, s)
			}
		}
		if won != 1 {
			t.Errorf("round %d: %d POSTs with the same If-Match got 201 (statuses %v), want exactly 1", round, won, statuses)
		}
	}
	checkStored(t, servers, acked)
}

// checkStored checks that every server serves every acknowledged id.
func checkStored(t *testing.T, servers []string, acked []string) {
	t.Helper()
	for _, base := range servers {
		have := map[string]bool{}
		for _, e := range getList(t, base, "wine") {
			have[e.ID] = true
		}
		lost := 0
		for _, id := range acked {
			if !have[id] {
				lost++
			}
		}
		if lost > 0 {
			t.Errorf("%s: %d of %d acknowledged entries are missing", base, lost, len(acked))
		}
	}
}

// Two servers over two independent emulator handles (separate SQLite connections)
// on one state: If-Match holds across them.
func TestIfMatchAcrossConnections(t *testing.T) {
	root := t.TempDir()
	a, _ := startArenaDev(t, root, answers.Options{})
	b, _ := startArenaDev(t, root, answers.Options{})
	raceIfMatch(t, []string{a, b}, 20, 6)
}

// Two arena-dev server processes on one state: If-Match is a real precondition
// across them, and POSTs without it all land.
func TestIfMatchAcrossProcesses(t *testing.T) {
	root := t.TempDir()
	servers := []string{startChildServer(t, root), startChildServer(t, root)}
	raceIfMatch(t, servers, 20, 6)

	// Without If-Match every POST succeeds and none is lost.
	const n = 40
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []string
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, body := httpDo(t, "POST", servers[i%2]+"/answers/grape", fmt.Sprintf(`{"label": "Blind %02d"}`, i))
			if res.StatusCode != 201 {
				t.Errorf("POST %d: %d %s", i, res.StatusCode, body)
				return
			}
			mu.Lock()
			acked = append(acked, fmt.Sprintf("blind-%02d", i))
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	for _, base := range servers {
		if got := getList(t, base, "grape"); len(got) != len(acked) {
			t.Errorf("%s: %d grape entries after %d acknowledged POSTs", base, len(got), len(acked))
		}
	}
}

// interleavingKV commits a write through a second emulator handle on the same
// files (as another process would) between the API's read and its write, once.
type interleavingKV struct {
	*emulator.Namespace
	other *emulator.Namespace
	once  sync.Once
}

func (k *interleavingKV) Update(key string, fn emulator.UpdateFunc) (emulator.PutResult, error) {
	return k.Namespace.Update(key, func(cur *emulator.Entry) ([]byte, emulator.PutOptions, error) {
		k.once.Do(func() {
			if _, err := k.other.Put(key, []byte(`[{"id":"intruder","label":"Intruder","custom":true,"createdAt":"2026-01-01T00:00:00Z"}]`), emulator.PutOptions{}); err != nil {
				panic(err)
			}
		})
		return fn(cur)
	})
}

// A write committed by another process between the API's read and its write is
// kept: the API's change is re-applied on top of it, and nothing is reported lost.
func TestWriteBetweenReadAndCommitIsKept(t *testing.T) {
	root := t.TempDir()
	kv := &interleavingKV{Namespace: openNamespace(t, root), other: openNamespace(t, root)}
	logs := &testenv.SyncBuffer{}
	base := serveHTTP(t, answers.New(kv, answers.Options{Logger: zerolog.New(logs)}))
	if res, body := httpDo(t, "POST", base+"/answers/grape", `{"label": "Merlot"}`); res.StatusCode != 201 {
		t.Fatalf("POST: %d %s", res.StatusCode, body)
	}
	if got := getList(t, base, "grape"); len(got) != 2 || got[0].ID != "intruder" || got[1].ID != "merlot" {
		t.Fatalf("grape = %+v, want the intruder then merlot", got)
	}
	if strings.Contains(logs.String(), "changed underneath") {
		t.Errorf("a write that lost nothing was reported: %s", logs)
	}
}

// A writer that overwrites our write without having read it (a Worker's
// get-then-put racing ours) is noticed at our next write of the category: warned,
// naming the category and the lost ids, and counted.
func TestOverwriteOfOurWriteIsReported(t *testing.T) {
	root := t.TempDir()
	ns, careless := openNamespace(t, root), openNamespace(t, root)
	logs := &testenv.SyncBuffer{}
	srv := answers.New(ns, answers.Options{Logger: zerolog.New(logs)})
	base := serveHTTP(t, srv)
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Gamay"}`)
	stale, _ := careless.Get("answers:grape") // the Worker reads ...
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Merlot"}`)
	if _, err := careless.Put("answers:grape", stale, emulator.PutOptions{}); err != nil { // ... and writes back, without Merlot
		t.Fatal(err)
	}
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Syrah"}`)
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if strings.Contains(l, "changed underneath") {
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatal(err)
			}
		}
	}
	if line == nil || line["level"] != "warn" || line["category"] != "grape" || fmt.Sprint(line["missing_ids"]) != "[merlot]" {
		t.Fatalf("want a warning naming category grape and id merlot, got logs:\n%s", logs)
	}
	if n := srv.Store().LostWrites(); n != 1 {
		t.Errorf("LostWrites = %d, want 1", n)
	}
	// Writes with nothing in between, and a Worker write that keeps ours, are not reported.
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Pinot Noir"}`)
	cur, _ := careless.Get("answers:grape")
	careless.Put("answers:grape", cur, emulator.PutOptions{})
	mustStatus(t, 201, "POST", base+"/answers/grape", `{"label": "Cinsault"}`)
	if n := srv.Store().LostWrites(); n != 1 {
		t.Errorf("LostWrites = %d after undisturbed writes, want still 1:\n%s", n, logs)
	}
}
