package svclog

import (
	"sync"
	"time"
)

// keepLines is how many recent lines per service stay in memory for the control
// API (`logs -n`, the dashboard) and for the give-up announcement.
const keepLines = 1000

// recent keeps the last lines of each service and hands new ones to subscribers.
// A subscriber that does not keep up loses lines (counted), never blocks a service.
type recent struct {
	mu   sync.Mutex
	ring map[string][]Line
	subs map[*Subscription]struct{}
}

// Subscription is a live feed of log lines.
type Subscription struct {
	C       <-chan Line
	c       chan Line
	filter  map[string]bool // nil: every service
	mu      sync.Mutex
	dropped int
}

// Dropped counts the lines this subscriber missed because it was too slow.
func (s *Subscription) Dropped() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

func (r *recent) add(l Line) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring == nil {
		r.ring = map[string][]Line{}
	}
	buf := append(r.ring[l.Service], l)
	if len(buf) > keepLines {
		buf = append(buf[:0:0], buf[len(buf)-keepLines:]...)
	}
	r.ring[l.Service] = buf
	for s := range r.subs {
		if s.filter != nil && !s.filter[l.Service] {
			continue
		}
		select {
		case s.c <- l:
		default:
			s.mu.Lock()
			s.dropped++
			s.mu.Unlock()
		}
	}
}

// Tail returns up to n recent lines of the named services (all when none are
// named), merged in time order; n < 0 means all that are kept.
func (l *Logs) Tail(n int, services ...string) []Line {
	r := &l.recent
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Line
	for name, buf := range r.ring {
		if len(services) > 0 && !contains(services, name) {
			continue
		}
		if n >= 0 && len(buf) > n {
			buf = buf[len(buf)-n:]
		}
		out = append(out, buf...)
	}
	sortLines(out)
	return out
}

// Subscribe feeds every new line of the named services (all when none are named)
// to the returned subscription until cancel is called.
func (l *Logs) Subscribe(services ...string) (*Subscription, func()) {
	// Room for a few seconds of a busy stack: a reader (a browser tab, a
	// terminal) that stalls that long still misses nothing.
	c := make(chan Line, 4096)
	s := &Subscription{C: c, c: c}
	if len(services) > 0 {
		s.filter = map[string]bool{}
		for _, n := range services {
			s.filter[n] = true
		}
	}
	r := &l.recent
	r.mu.Lock()
	if r.subs == nil {
		r.subs = map[*Subscription]struct{}{}
	}
	r.subs[s] = struct{}{}
	r.mu.Unlock()
	var once sync.Once
	return s, func() {
		once.Do(func() {
			r.mu.Lock()
			delete(r.subs, s)
			r.mu.Unlock()
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func lineAt(t time.Time, service, stream, text string) Line {
	return Line{Stamp: stamp(t), Service: service, Stream: stream, Text: text}
}
