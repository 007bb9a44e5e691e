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

// DescendantsIn walks the parent links of a snapshot from roots down; the roots
// themselves are not included. Zombies are skipped, but not their children.
func DescendantsIn(table []Info, roots ...int) []Info {
	kids := make(map[int][]Info, len(table))
	for _, p := range table {
		kids[p.PPID] = append(kids[p.PPID], p)
	}
	seen := map[int]bool{}
	for _, r := range roots {
		seen[r] = true
	}
	var out []Info
	queue := append([]int(nil), roots...)
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range kids[pid] {
			if seen[c.PID] || c.PID <= 1 {
				continue
			}
			seen[c.PID] = true
			queue = append(queue, c.PID)
			if c.State != 'Z' && c.State != 'X' {
				out = append(out, c)
			}
		}
	}
	return out
}

// EnvValue is the value of key in the environment the process was started with
// (its /proc/<pid>/environ); false when unset or unreadable (zombies, other users).
func EnvValue(pid int, key string) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return "", false
	}
	prefix := []byte(key + "=")
	val, found := "", false
	for kv := range bytes.SplitSeq(b, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			val, found = string(v), true // the last one wins, as in a shell
		}
	}
	return val, found
}

// Self is this process as /proc sees it.
func Self() Info {
	p, _ := ReadProc(os.Getpid())
	return p
}
