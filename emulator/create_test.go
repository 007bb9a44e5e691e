package emulator

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentCreateOfOneNamespace: several writers (separate stores, so
// separate SQLite connections, as separate processes would be) write a namespace
// that does not exist yet, all at once. Every put must succeed: none may fail with
// SQLITE_BUSY or take the half-made database for a foreign one.
func TestConcurrentCreateOfOneNamespace(t *testing.T) {
	const rounds, writers = 60, 8
	base := t.TempDir()
	for round := range rounds {
		root := filepath.Join(base, fmt.Sprint(round))
		start := make(chan struct{})
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(root)
				if err != nil {
					errs[w] = err
					return
				}
				defer s.Close()
				<-start
				ns, err := s.Namespace("fresh-ns")
				if err == nil {
					_, err = ns.Put(fmt.Sprintf("k%d", w), []byte("v"), PutOptions{})
				}
				errs[w] = err
			}()
		}
		close(start)
		wg.Wait()
		for w, err := range errs {
			if err != nil {
				t.Errorf("round %d, writer %d: %v", round, w, err)
			}
		}
		if t.Failed() {
			return
		}
		s, _ := Open(root)
		ns, err := s.Namespace("fresh-ns")
		if err != nil {
			t.Fatal(err)
		}
		if res, err := ns.List(ListOptions{}); err != nil || len(res.Keys) != writers {
			t.Fatalf("round %d: %d keys listed (%v), want %d", round, len(res.Keys), err, writers)
		}
		s.Close()
	}
}
