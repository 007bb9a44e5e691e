package procutil

// Info is what the process table tells about a process (/proc/<pid>/stat on
// Linux, ps elsewhere).
type Info struct {
	PID        int
	State      byte // R, S, Z, ...
	PPID       int
	PGID       int
	Session    int
	StartTicks uint64 // with the pid, identifies the process: clock ticks since boot from /proc, Unix seconds from ps
}
