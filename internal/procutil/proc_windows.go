//go:build !unix

package procutil

// Without /proc, process identity falls back to "the pid exists" and port holders
// are not named.

func StartTicks(pid int) uint64 { return 0 }

func SameProcess(pid int, ticks uint64) bool { return PIDAlive(pid) }

func Cmdline(pid int) string { return "" }

func GroupMembers(pgid int, notBefore uint64) []Info {
	if groupSignalable(pgid) {
		return []Info{{PID: pgid, PGID: pgid}}
	}
	return nil
}

func GroupAlive(pgid int) bool { return groupSignalable(pgid) }

func PortHolders(port int) []int { return nil }
