package orchestrate

import (
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// stopTarget is anything the stop ladder can stop: a running attempt's process
// group, the group a dead leader left behind, a dead run's survivors, or arena-dev
// itself for `down`.
type stopTarget struct {
	what      string       // "process group 123", "arena-dev pid 77": for messages
	terminate func() error // the polite request: SIGTERM, or cancelling a context
	kill      func() error // the last resort: SIGKILL; nil when there is none
	gone      func() bool
}

// groupTarget is a process group as a stop target.
func groupTarget(pgid int) stopTarget {
	return stopTarget{
		what:      fmt.Sprintf("process group %d", pgid),
		terminate: func() error { return procutil.TerminateGroup(pgid) },
		kill:      func() error { return procutil.KillGroup(pgid) },
		gone:      func() bool { return !procutil.GroupAlive(pgid) },
	}
}

// runnerTarget is one attempt's process group as a stop target.
func runnerTarget(r runner) stopTarget {
	return stopTarget{what: fmt.Sprintf("process group %d", r.pgid()), terminate: r.terminate, kill: r.kill, gone: r.gone}
}

// withStrays extends t to processes outside its group (a service's escapees): each
// signal also goes to every process find returns at that moment, and t is gone
// only once those are gone too. Each is named by pid and start time, so a pid
// reused meanwhile is never signalled.
func withStrays(t stopTarget, find func() []procutil.Ref) stopTarget {
	terminate, kill, gone := t.terminate, t.kill, t.gone
	var last []procutil.Ref // the ladder runs its stages in one goroutine
	signal := func(group func() error, one func(procutil.Ref) error) error {
		err := group()
		last = find()
		for _, r := range last {
			_ = one(r)
		}
		return err
	}
	t.terminate = func() error { return signal(terminate, procutil.TerminateRef) }
	if kill != nil {
		t.kill = func() error { return signal(kill, procutil.KillRef) }
	}
	t.gone = func() bool {
		if !gone() {
			return false
		}
		for _, r := range last {
			if r.Alive() {
				return false
			}
		}
		return true
	}
	return t
}

// nothing is a target with no group of its own, for withStrays alone.
func nothing(what string) stopTarget {
	none := func() error { return nil }
	return stopTarget{what: what, terminate: none, kill: none, gone: func() bool { return true }}
}

// stopLadder is the one escalation every stop goes through, each stage logged (and
// noted in the service's log file when note is set): terminate, wait up to timeout
// (cut short when force closes), kill, wait up to killWait. It reports whether the
// target is gone.
func stopLadder(t stopTarget, timeout time.Duration, force <-chan struct{}, log zerolog.Logger, note func(string)) bool {
	start := time.Now()
	say := func(ev *zerolog.Event, stage string) {
		took := time.Since(start).Round(time.Millisecond)
		ev.Dur("after", took).Msg("stop: " + stage)
		if note != nil {
			note(fmt.Sprintf("%s (after %s)", stage, took))
		}
	}
	say(log.Info(), "SIGTERM to "+t.what)
	if err := t.terminate(); err != nil {
		log.Warn().Err(err).Str("target", t.what).Msg("stop: SIGTERM failed")
	}
	if t.kill == nil {
		// Nothing to escalate to (an in-process service): a forced stop does
		// not abandon it, it waits for it to finish its own bounded shutdown.
		if pollUntil(t.gone, timeout+killWait, nil) {
			say(log.Info(), t.what+" gone")
			return true
		}
		say(log.Error(), t.what+" did not finish")
		return false
	}
	if pollUntil(t.gone, timeout, force) {
		say(log.Info(), t.what+" gone")
		return true
	}
	say(log.Warn(), "still running, SIGKILL to "+t.what)
	_ = t.kill()
	if pollUntil(t.gone, killWait, nil) {
		say(log.Info(), t.what+" gone after SIGKILL")
		return true
	}
	say(log.Error(), t.what+" survives SIGKILL")
	return false
}

// killWait bounds the wait for the kernel to finish off a SIGKILLed group.
const killWait = 5 * time.Second

// pollUntil checks cond every 10ms until it holds (true), timeout passes or
// force closes (false).
func pollUntil(cond func() bool, timeout time.Duration, force <-chan struct{}) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case <-deadline.C:
			return cond()
		case <-force:
			return cond()
		case <-tick.C:
		}
	}
}
