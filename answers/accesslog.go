package answers

import (
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Access log tuning. A request only appends a record to a buffer; a background
// goroutine logs the buffer every flushDelay. Formatting a line (zerolog's console
// writer re-parses every event) costs more than serving a cached GET, so at most
// maxLinesPerSecond lines are printed; past that, and when the buffer is full, the
// requests are counted and one summary line per second says how many were not
// printed, by status class. Interactive use never comes near either limit.
const (
	flushDelay        = 5 * time.Millisecond
	bufferedRecords   = 4096
	maxLinesPerSecond = 1000
)

// LogRequests wraps h with one log line per request (method, path, status,
// duration), as `wrangler dev` prints them, written off the request path: a slow
// or blocked log writer never delays a response. Serve flushes it on shutdown.
func LogRequests(log zerolog.Logger, h http.Handler) http.Handler {
	a := newAccessLog(log, h)
	go a.run()
	return a
}

// LogRequestsExcept is LogRequests that does not log the requests skip picks
// (a dashboard's own reads: its page, assets and streams).
func LogRequestsExcept(log zerolog.Logger, h http.Handler, skip func(*http.Request) bool) http.Handler {
	a := newAccessLog(log, h)
	a.skip = skip
	go a.run()
	return a
}

// newAccessLog is LogRequests without the flushing goroutine (tests flush by hand).
func newAccessLog(log zerolog.Logger, h http.Handler) *accessLog {
	a := &accessLog{log: log, next: h, kick: make(chan struct{}, 1), done: make(chan struct{}),
		buf: make([]accessRecord, 0, bufferedRecords), spare: make([]accessRecord, 0, bufferedRecords)}
	a.recorders.New = func() any { return &statusRecorder{} }
	return a
}

type accessRecord struct {
	method, uri string
	status      int
	took        time.Duration
}

type accessLog struct {
	log       zerolog.Logger
	next      http.Handler
	skip      func(*http.Request) bool // requests not logged; nil = none
	recorders sync.Pool                // *statusRecorder, so a request allocates none
	kick      chan struct{}
	done      chan struct{} // closed by close: the goroutine ends
	closeOnce sync.Once

	mu      sync.Mutex
	buf     []accessRecord
	spare   []accessRecord // the other half of the double buffer, owned by the flusher
	dropped [6]int64       // buffer full, by status class (status/100)

	flushMu  sync.Mutex // one flush at a time (the goroutine, or Serve on shutdown)
	second   time.Time  // start of the current print budget
	printed  int        // lines printed in it
	unlogged [6]int64   // requests not printed in it, by status class
}

func (a *accessLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.skip != nil && a.skip(r) {
		a.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	rec := a.recorders.Get().(*statusRecorder)
	rec.ResponseWriter, rec.status = w, http.StatusOK
	a.next.ServeHTTP(rec, r)
	a.add(accessRecord{method: r.Method, uri: r.RequestURI, status: rec.status, took: time.Since(start)})
	rec.ResponseWriter = nil
	a.recorders.Put(rec)
}

func (a *accessLog) add(rec accessRecord) {
	a.mu.Lock()
	first := len(a.buf) == 0
	if len(a.buf) < cap(a.buf) {
		a.buf = append(a.buf, rec)
	} else {
		a.dropped[statusClass(rec.status)]++
	}
	a.mu.Unlock()
	if first {
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}
}

// run flushes flushDelay after the first record of a batch; it sleeps while idle.
func (a *accessLog) run() {
	for {
		select {
		case <-a.done:
			return
		case <-a.kick:
		}
		time.Sleep(flushDelay) // gather a batch: one flush per few ms, not per request
		a.flush()
	}
}

// flush logs what the buffer holds, within the per-second budget.
func (a *accessLog) flush() {
	a.flushMu.Lock()
	defer a.flushMu.Unlock()
	a.mu.Lock()
	batch := a.buf
	a.buf, a.spare = a.spare[:0], nil
	dropped := a.dropped
	a.dropped = [6]int64{}
	a.mu.Unlock()

	now := time.Now()
	if now.Sub(a.second) >= time.Second {
		a.summarize()
		a.second, a.printed = now, 0
	}
	for i := range dropped {
		a.unlogged[i] += dropped[i]
	}
	for _, rec := range batch {
		if a.printed >= maxLinesPerSecond {
			a.unlogged[statusClass(rec.status)]++
			continue
		}
		a.printed++
		a.log.Info().Str("method", rec.method).Str("path", rec.uri).Int("status", rec.status).
			Dur("took", rec.took).Msg("request")
	}
	clear(batch) // drop the strings' references
	a.mu.Lock()
	a.spare = batch[:0]
	a.mu.Unlock()
}

// summarize logs how many requests of the last budget second were not printed.
func (a *accessLog) summarize() {
	var total int64
	ev := a.log.Warn()
	for class, n := range a.unlogged {
		if n > 0 {
			total += n
			ev = ev.Int64(statusClassNames[class], n)
		}
	}
	if total > 0 {
		ev.Int64("requests", total).Msgf("access log: %d requests were not printed (over %d lines/s or the buffer was full)", total, maxLinesPerSecond)
	} else {
		ev.Discard()
	}
	a.unlogged = [6]int64{}
}

// close prints everything still buffered, then the summary, and stops the
// goroutine. Requests served after it are still logged, by the next close only.
// It waits at most closeWait for a log writer that does not take the lines.
func (a *accessLog) close() {
	a.closeOnce.Do(func() { close(a.done) })
	flushed := make(chan struct{})
	go func() {
		a.flush()
		a.flushMu.Lock()
		a.summarize()
		a.flushMu.Unlock()
		close(flushed)
	}()
	select {
	case <-flushed:
	case <-time.After(closeWait):
	}
}

const closeWait = 2 * time.Second

var statusClassNames = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

func statusClass(status int) int {
	if c := status / 100; c >= 1 && c <= 5 {
		return c
	}
	return 0
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
