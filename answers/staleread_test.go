package answers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestNoStaleReadAcrossProcesses is the cross-process read test of strong mode:
// four writers on one state (two `arena-dev serve`, a `kv key put` per write,
// and the reference Worker under Miniflare 3, i.e. workerd), taking turns; right
// after each acknowledgement a reader GETs the category from an arena-dev that
// did not write it, and the write must be there. Meanwhile both servers serve a
// stream of GETs and the first also takes its own writes to another category,
// so its write path (fsyncs included) is busy while it revalidates. 300 rounds
// in make test, 2,000 under make soak; loopback only, bounded in time.
func TestNoStaleReadAcrossProcesses(t *testing.T) {
	root := t.TempDir()
	a, _ := startServeBinary(t, root)
	b, _ := startServeBinary(t, root)
	worker := startWorker(t, root)
	bin := testenv.ArenaDev(t)
	valueFile := filepath.Join(t.TempDir(), "color.json")
	rounds := soakCount(300, 2000)
	limit := time.Duration(soakCount(4, 30)) * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()

	do := func(method, url, body string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		out, err := io.ReadAll(res.Body)
		return res.StatusCode, out, err
	}
	list := func(base string) ([]answers.Entry, error) {
		code, body, err := do("GET", base+"/answers/color", "")
		if err != nil || code != 200 {
			return nil, fmt.Errorf("GET %s/answers/color: %d %s %v", base, code, body, err)
		}
		var l []answers.Entry
		return l, json.Unmarshal(body, &l)
	}

	// Background load: GETs on both servers, and A's own writes to grape.
	var bg sync.WaitGroup
	stop := make(chan struct{})
	var bgGets, bgPosts atomic.Int64
	for _, base := range []string{a, b, a, b} {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, _, err := do("GET", base+"/answers/color", ""); err == nil && code == 200 {
					bgGets.Add(1)
				}
			}
		}()
	}
	bg.Add(1)
	go func() {
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if code, _, err := do("POST", a+"/answers/grape", fmt.Sprintf(`{"label": "Background %05d"}`, i)); err == nil && code == 201 {
				bgPosts.Add(1)
			}
		}
	}()
	defer func() { close(stop); bg.Wait() }()

	writers := []string{"serve A", "serve B", "kv key put", "Miniflare"}
	var stale, workerRetries int
	var worst time.Duration
	for r := range rounds {
		if ctx.Err() != nil {
			t.Fatalf("only %d of %d rounds within %s", r, rounds, limit)
		}
		label := fmt.Sprintf("Round %05d", r)
		id := fmt.Sprintf("round-%05d", r)
		reader := b // a server that did not write this round
		switch r % 4 {
		case 0:
			code, body, err := do("POST", a+"/answers/color", fmt.Sprintf(`{"label": %q}`, label))
			if err != nil || code != 201 {
				t.Fatalf("round %d: POST to serve A: %d %s %v", r, code, body, err)
			}
		case 1:
			reader = a
			code, body, err := do("POST", b+"/answers/color", fmt.Sprintf(`{"label": %q}`, label))
			if err != nil || code != 201 {
				t.Fatalf("round %d: POST to serve B: %d %s %v", r, code, body, err)
			}
		case 2:
			// The whole list, as a script would write it: this round's
			// writer is the only one, so nothing else is overwritten.
			cur, err := list(a)
			if err != nil {
				t.Fatal(err)
			}
			cur = append(cur, answers.Entry{ID: id, Label: label, CreatedAt: "2026-01-01T00:00:00Z"})
			value, _ := json.Marshal(cur)
			if err := os.WriteFile(valueFile, value, 0o600); err != nil { // too long for an argument past ~1,400 rounds
				t.Fatal(err)
			}
			if out, err := exec.CommandContext(ctx, bin, "kv", "key", "put", "answers:color", "--path", valueFile,
				"--namespace-id", namespaceID, "--persist-to", root).CombinedOutput(); err != nil {
				t.Fatalf("round %d: kv key put: %v\n%s", r, err, out)
			}
			if r%8 == 6 {
				reader = a
			}
		case 3:
			// workerd has no busy timeout: a put that meets another writer's
			// lock fails at once with 500, and is tried again (only a 201 is
			// an acknowledgement).
			for try := 0; ; try++ {
				code, body, err := do("POST", worker+"/answers/color", fmt.Sprintf(`{"label": %q}`, label))
				if err == nil && code == 201 {
					break
				}
				if try == 50 || ctx.Err() != nil {
					t.Fatalf("round %d: POST to the Worker: %d %s %v", r, code, body, err)
				}
				workerRetries++
			}
			if r%8 == 7 {
				reader = a
			}
		}
		acked := time.Now()
		got, err := list(reader)
		if err != nil {
			t.Fatal(err)
		}
		if containsID(got, id) {
			continue
		}
		stale++
		// How late: poll until it shows (bounded), for the report only.
		for time.Since(acked) < 5*time.Second {
			if l, err := list(reader); err == nil && containsID(l, id) {
				break
			}
		}
		worst = max(worst, time.Since(acked))
		t.Errorf("round %d: the write by %s was acknowledged, then a GET from %s did not have it", r, writers[r%4], reader)
	}
	t.Logf("FIGURE stale reads: %d rounds (writers in turn: 2 arena-dev serve, kv key put, workerd under Miniflare 3), %d stale reads (worst %s late), background %d GETs and %d POSTs, %d Worker retries on SQLITE_BUSY",
		rounds, stale, worst, bgGets.Load(), bgPosts.Load(), workerRetries)
}

func containsID(l []answers.Entry, id string) bool {
	for _, e := range l {
		if e.ID == id {
			return true
		}
	}
	return false
}
