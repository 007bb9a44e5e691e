package answers_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
)

// Two Stores over one namespace in one process (the server's and a seeding's)
// share the write lock: parallel updates through both lose nothing.
func TestStoresOverOneNamespaceShareTheWriteLock(t *testing.T) {
	ns := openNamespace(t, t.TempDir())
	stores := []*answers.Store{answers.NewStore(ns, nil, zerolog.Nop()), answers.NewStore(ns, nil, zerolog.Nop())}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].Update(answers.Grape, func(cur answers.Snapshot) ([]answers.Entry, error) {
				id := fmt.Sprintf("g%02d", i)
				return append(cur.List, answers.Entry{ID: id, Label: id, CreatedAt: "2026-01-01T00:00:00Z"}), nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	snap, err := stores[0].Read(answers.Grape)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.List) != 40 {
		t.Errorf("%d entries after 40 parallel updates through two stores; want 40", len(snap.List))
	}
}
