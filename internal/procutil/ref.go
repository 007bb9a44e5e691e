package procutil

// Ref names one process for good: its pid and its start time (a pid alone may be
// reused by an unrelated process once the first one is gone).
type Ref struct {
	PID        int    `json:"pid"`
	StartTicks uint64 `json:"start_ticks,omitempty"`
}

// RefOf is the Ref of a process read from /proc.
func RefOf(p Info) Ref { return Ref{PID: p.PID, StartTicks: p.StartTicks} }

// Alive says whether the process is still running (not a zombie, not a reused pid).
func (r Ref) Alive() bool { return SameProcess(r.PID, r.StartTicks) }

// OwnerEnv is set in every service's environment, as "<pid>.<start ticks>/<service>"
// of the arena-dev that started it. Children inherit it, so a descendant that left
// the service's group and session (setsid) and lost its parent is still known as
// the service's, by this arena-dev or, after a SIGKILL, by the next one.
const OwnerEnv = "ARENA_DEV_OWNER"
