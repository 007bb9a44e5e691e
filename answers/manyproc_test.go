package answers_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// soakCount is n in make test and soak under make soak (ARENA_DEV_SOAK=1).
func soakCount(n, soak int) int {
	if os.Getenv("ARENA_DEV_SOAK") != "" {
		return soak
	}
	return n
}

// kvWriter runs `arena-dev kv key put` in a loop on the same state until stop
// closes, and returns the keys and values it acknowledged (exit 0).
func kvWriter(t *testing.T, root string, stop <-chan struct{}) func() map[string][]byte {
	bin := testenv.ArenaDev(t)
	acked := map[string][]byte{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			key, val := fmt.Sprintf("kv:%04d", i), fmt.Sprintf("value %d \u00e9\u00e8 %x", i, i*7919)
			out, err := exec.Command(bin, "kv", "key", "put", key, val, "--namespace-id", namespaceID, "--persist-to", root).CombinedOutput()
			if err != nil {
				t.Errorf("kv key put %s: %v\n%s", key, err, out)
				continue
			}
			acked[key] = []byte(val)
		}
	}()
	return func() map[string][]byte { <-done; return acked }
}

// Three arena-dev processes and a `kv key put` loop on one state: with If-Match
// exactly one of each round's racing POSTs wins (the others get 412), without it
// every POST lands; no 5xx, and every acknowledged write is there afterwards, in
// every process, with its exact bytes.
func TestThreeServersAndKVWriterOnOneState(t *testing.T) {
	root := t.TempDir()
	servers := []string{startChildServer(t, root), startChildServer(t, root), startChildServer(t, root)}
	stop := make(chan struct{})
	kvAcked := kvWriter(t, root, stop)

	rounds := soakCount(10, 100)
	raceIfMatch(t, servers, rounds, 6) // 412 for the losers, 0 other statuses, nothing lost

	posts := soakCount(60, 600)
	var wg sync.WaitGroup
	var fails atomic.Int64
	var mu sync.Mutex
	var acked []string
	sem := make(chan struct{}, 12) // bounded load on loopback
	for i := range posts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, body := httpDo(t, "POST", servers[i%3]+"/answers/grape", fmt.Sprintf(`{"label": "Many %04d"}`, i))
			if res.StatusCode != 201 {
				fails.Add(1)
				t.Errorf("POST %d without If-Match: %d %s", i, res.StatusCode, body)
				return
			}
			mu.Lock()
			acked = append(acked, fmt.Sprintf("many-%04d", i))
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	kv := kvAcked()
	for _, base := range servers {
		have := map[string]bool{}
		for _, e := range getList(t, base, "grape") {
			have[e.ID] = true
		}
		for _, id := range acked {
			if !have[id] {
				t.Errorf("%s: acknowledged grape %s is missing", base, id)
			}
		}
	}

	ns := openNamespace(t, root)
	lostKV := 0
	for key, want := range kv {
		if got, err := ns.Get(key); err != nil || !bytes.Equal(got, want) {
			lostKV++
			t.Errorf("kv key %s: %q, %v; want %q", key, got, err, want)
		}
	}
	t.Logf("FIGURE many processes: 3 servers + kv writer, %d If-Match rounds of 6, %d POSTs without If-Match (%d failed), %d kv puts, %d kv writes lost",
		rounds, posts, fails.Load(), len(kv), lostKV)
}
