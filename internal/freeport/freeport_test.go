package freeport

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentPicksNeverCollide: goroutines and separate processes picking at
// once get distinct ports.
func TestConcurrentPicksNeverCollide(t *testing.T) {
	if os.Getenv("FREEPORT_CHILD") == "1" {
		ports, err := Pick(20)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, p := range ports {
			s = append(s, strconv.Itoa(p))
		}
		os.Stdout.WriteString("PORTS " + strings.Join(s, " ") + "\n")
		return
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	var mu sync.Mutex
	seen := map[int]int{}
	var wg sync.WaitGroup
	record := func(ports []int) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range ports {
			seen[p]++
		}
	}
	self, _ := os.Executable()
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			ports, err := Pick(20)
			if err != nil {
				t.Error(err)
			}
			record(ports)
		}()
		go func() {
			defer wg.Done()
			cmd := exec.Command(self, "-test.run", "^TestConcurrentPicksNeverCollide$")
			cmd.Env = append(os.Environ(), "FREEPORT_CHILD=1", "TMPDIR="+dir)
			out, err := cmd.Output()
			if err != nil {
				t.Error(err)
				return
			}
			for _, line := range strings.Split(string(out), "\n") {
				if rest, ok := strings.CutPrefix(line, "PORTS "); ok {
					var ports []int
					for _, f := range strings.Fields(rest) {
						p, _ := strconv.Atoi(f)
						ports = append(ports, p)
					}
					record(ports)
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 8*20 {
		t.Fatalf("%d distinct ports for 160 picks", len(seen))
	}
	for p, n := range seen {
		if n > 1 {
			t.Errorf("port %d handed out %d times", p, n)
		}
	}
}
