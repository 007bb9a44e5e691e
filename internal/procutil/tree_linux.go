//go:build linux && !arena_portable

package procutil

import (
	"bytes"
	"fmt"
	"os"
)

// Snapshot reads every process of /proc once (processes that vanish meanwhile
// are left out).
func Snapshot() []Info {
	pids := allPIDs()
	out := make([]Info, 0, len(pids))
	for _, pid := range pids {
		if p, err := ReadProc(pid); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Descendants lists every live descendant of pid (children, their children, ...).
func Descendants(pid int) []Info { return DescendantsIn(Snapshot(), pid) }

// EnvValue is the value of key in the environment the process was started with
// (its /proc/<pid>/environ); false when unset or unreadable (zombies, other users).
func EnvValue(pid int, key string) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return "", false
	}
	return lastValue(bytes.Split(b, []byte{0}), key)
}

// Self is this process as /proc sees it.
func Self() Info {
	p, _ := ReadProc(os.Getpid())
	return p
}
