package conformance

import (
	"fmt"
	"runtime"
	"sync"
)

// Result is one step of the suite as Check ran it.
type Result struct {
	Name     string
	Failures []string // empty: passed
}

// Passed says whether the step had no failure.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Check runs the suite against base outside `go test` (the arena-dev conformance
// command), step by step, and returns each step's result. Like t.Fatalf, a fatal
// check ends only its own step: each step runs in its own goroutine, which
// Fatalf leaves with runtime.Goexit. A panic (a server answering nonsense the
// step indexes into) is that step's failure, not the caller's crash.
func Check(base string, o Options) []Result {
	o = o.withDefaults()
	var out []Result
	for _, s := range steps(o) {
		rec := &recorder{}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					rec.add(fmt.Sprintf("panic: %v", v))
				}
			}()
			s.fn(o.client(rec, base), o)
		}()
		wg.Wait()
		out = append(out, Result{Name: s.name, Failures: rec.failures})
	}
	return out
}

// recorder is the T of Check: it keeps the failures.
type recorder struct {
	mu       sync.Mutex
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) add(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, msg)
}

func (r *recorder) Errorf(format string, args ...any) { r.add(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.add(fmt.Sprintf(format, args...))
	runtime.Goexit()
}
