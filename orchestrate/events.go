package orchestrate

import (
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"strings"
	"sync"
	"time"
)

// set moves a service to state (msg, when not "", becomes LastError), applies the
// optional changes, publishes the event and rewrites the run file.
func (s *Supervisor) set(sv *service, state runstate.State, msg string, mutate ...func(*runstate.ServiceStatus)) {
	now := time.Now()
	s.mu.Lock()
	sv.st.State, sv.st.Since = state, now
	if msg != "" {
		sv.st.LastError = msg
	}
	for _, m := range mutate {
		m(&sv.st)
	}
	switch state {
	case runstate.StateReady:
		sv.everReady = true
		sv.readyOnce.Do(func() { close(sv.readyCh) })
		if !s.allUp && s.allReadyLocked() {
			s.allUp = true
			close(s.readyCh)
		}
	case runstate.StateFailed:
		sv.failOnce.Do(func() { close(sv.failedCh) })
		s.failBeforeReadyLocked(fmt.Errorf("service %s failed: %s", sv.spec.Name, sv.st.LastError))
	case runstate.StateStopped:
		if !sv.everReady && !sv.stopping() && !sv.spec.Disabled && msg != stoppedByHand {
			s.failBeforeReadyLocked(fmt.Errorf("service %s ended before it was ready: %s", sv.spec.Name, sv.st.LastError))
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
	ev := runstate.Event{Time: now, ServiceStatus: sv.st}
	for sub := range s.subs {
		sub.push(ev)
	}
	s.mu.Unlock()
	s.log.Debug().Str("service", sv.spec.Name).Str("state", state.String()).Str("detail", msg).Msg("state")
	if state == runstate.StateFailed && !sv.stopping() {
		s.announceFailure(sv, ev.LastError)
	}
	s.persist()
}

func (s *Supervisor) allReadyLocked() bool {
	for _, sv := range s.order {
		if sv.st.State != runstate.StateReady && !sv.spec.Disabled {
			return false
		}
	}
	return true
}

func (s *Supervisor) failBeforeReadyLocked(err error) {
	if s.allUp || s.failErr != nil {
		return
	}
	s.failErr = err
	s.exitErr = err.Error()
	close(s.failCh)
}

// Subscribe returns a channel of every state change from now on (none is dropped:
// each subscriber has its own unbounded queue) and a func to unsubscribe. The
// channel is closed after Run returns or on unsubscribe.
func (s *Supervisor) Subscribe() (<-chan runstate.Event, func()) {
	sub := &subscriber{wake: make(chan struct{}, 1), quit: make(chan struct{}), out: make(chan runstate.Event)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	go sub.loop(s.doneCh)
	return sub.out, func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
		sub.quitOnce.Do(func() { close(sub.quit) })
	}
}

type subscriber struct {
	mu       sync.Mutex
	queue    []runstate.Event
	wake     chan struct{}
	quit     chan struct{}
	quitOnce sync.Once
	out      chan runstate.Event
}

func (b *subscriber) push(ev runstate.Event) {
	b.mu.Lock()
	b.queue = append(b.queue, ev)
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// loop delivers queued events in order; after done it drains the queue and closes.
func (b *subscriber) loop(done <-chan struct{}) {
	defer close(b.out)
	for {
		b.mu.Lock()
		if len(b.queue) == 0 {
			b.mu.Unlock()
			select {
			case <-b.wake:
				continue
			case <-b.quit:
				return
			case <-done:
				b.mu.Lock()
				empty := len(b.queue) == 0
				b.mu.Unlock()
				if empty {
					return
				}
				continue
			}
		}
		ev := b.queue[0]
		b.queue = b.queue[1:]
		b.mu.Unlock()
		select {
		case b.out <- ev:
		case <-b.quit:
			return
		}
	}
}

// announceFailure says loudly that a service was given up on: its name, why (the
// exit status or the reason) and its last log lines; the rest keeps running.
func (s *Supervisor) announceFailure(sv *service, why string) {
	var last []string
	if s.logs != nil {
		for _, l := range s.logs.Tail(failureLines, sv.spec.Name) {
			last = append(last, l.Text)
		}
	}
	s.log.Error().Str("service", sv.spec.Name).Str("reason", why).
		Msgf("%s failed and will not be restarted (`arena-dev start %s` tries again); the other services keep running. Its last lines:\n  %s",
			sv.spec.Name, sv.spec.Name, strings.Join(last, "\n  "))
}

// failureLines is how many of a failed service's last log lines are shown.
const failureLines = 10
