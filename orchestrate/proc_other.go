//go:build !linux

package orchestrate

// Without /proc, process identity falls back to "the pid exists" and port holders
// are not named.

type procInfo struct {
	PID        int
	State      byte
	PGID       int
	StartTicks uint64
}

func startTicks(pid int) uint64 { return 0 }

func sameProcess(pid int, ticks uint64) bool { return pidAlive(pid) }

func cmdline(pid int) string { return "" }

func groupMembers(pgid int, notBefore uint64) []procInfo {
	if groupSignalable(pgid) {
		return []procInfo{{PID: pgid, PGID: pgid}}
	}
	return nil
}

func groupAlive(pgid int) bool { return groupSignalable(pgid) }

func portHolders(port int) []int { return nil }
