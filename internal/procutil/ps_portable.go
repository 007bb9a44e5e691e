//go:build unix && (!linux || arena_portable)

package procutil

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Without /proc (macOS, the BSDs, and Linux built with -tags arena_portable) the
// process table comes from ps(1): the columns asked for are the ones procps and
// the BSD ps both print the same way. A process's start time is its lstart, in
// Unix seconds: coarser than /proc's clock ticks, still enough to tell a reused
// pid from the process recorded (pids are not recycled within a second).
var psColumns = []string{"-o", "pid=,ppid=,pgid=,stat=,lstart="}

// lstartLayout is ps's lstart under LC_ALL=C, once runs of spaces are collapsed.
const lstartLayout = "Mon Jan 2 15:04:05 2006"

// ps runs ps(1) in the C locale and UTC, so lstart parses the same everywhere.
func ps(args ...string) []byte {
	cmd := exec.Command("ps", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	out, _ := cmd.Output() // ps exits 1 when -p names no live process
	return out
}

// parsePS reads ps's lines of pid, ppid, pgid, stat and lstart; lines that do
// not parse (a header, a vanished process) are left out.
func parsePS(out []byte) []Info {
	var table []Info
	for line := range bytes.Lines(out) {
		f := strings.Fields(string(line))
		if len(f) < 9 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		ppid, err2 := strconv.Atoi(f[1])
		pgid, err3 := strconv.Atoi(f[2])
		start, err4 := time.ParseInLocation(lstartLayout, strings.Join(f[4:9], " "), time.UTC)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil || f[3] == "" {
			continue
		}
		table = append(table, Info{PID: pid, PPID: ppid, PGID: pgid, State: f[3][0], StartTicks: uint64(start.Unix())})
	}
	return table
}

// Snapshot reads the whole process table once.
func Snapshot() []Info { return parsePS(ps(append([]string{"-A"}, psColumns...)...)) }

// readPS is one process's row.
func readPS(pid int) (Info, bool) {
	if pid <= 0 {
		return Info{}, false
	}
	t := parsePS(ps(append([]string{"-p", strconv.Itoa(pid)}, psColumns...)...))
	if len(t) != 1 || t[0].PID != pid {
		return Info{}, false
	}
	return t[0], true
}

// StartTicks is the process's start time (Unix seconds), 0 when unknown.
func StartTicks(pid int) uint64 {
	p, _ := readPS(pid)
	return p.StartTicks
}

// SameProcess says whether pid is still the process that started at ticks (not a
// reused pid) and has not exited (a zombie counts as gone).
func SameProcess(pid int, ticks uint64) bool {
	p, ok := readPS(pid)
	if !ok || p.State == 'Z' {
		return false
	}
	return ticks == 0 || p.StartTicks == ticks
}

// Cmdline is the process's command line.
func Cmdline(pid int) string {
	if pid <= 0 {
		return ""
	}
	return strings.TrimSpace(string(ps("-ww", "-o", "command=", "-p", strconv.Itoa(pid))))
}

// GroupMembers lists the live processes of a group that started no earlier
// than notBefore (0 = any).
func GroupMembers(pgid int, notBefore uint64) []Info {
	var out []Info
	for _, p := range Snapshot() {
		if p.PGID == pgid && p.State != 'Z' && (notBefore == 0 || p.StartTicks >= notBefore) {
			out = append(out, p)
		}
	}
	return out
}

// GroupAlive says whether any live process remains in the group. kill(-pgid, 0)
// answers first: most often the group is simply gone, and that costs no ps.
func GroupAlive(pgid int) bool { return groupSignalable(pgid) && len(GroupMembers(pgid, 0)) > 0 }

// Descendants lists every live descendant of pid.
func Descendants(pid int) []Info { return DescendantsIn(Snapshot(), pid) }

// PortHolders finds the processes listening on port, through lsof when it is
// installed (it is on macOS); none are named otherwise.
func PortHolders(port int) []int {
	lsof, err := exec.LookPath("lsof")
	if err != nil {
		return nil
	}
	out, _ := exec.Command(lsof, "-nP", "-t", "-iTCP:"+strconv.Itoa(port), "-sTCP:LISTEN").Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// No subreaper outside Linux: an orphan goes to pid 1, and is found again by the
// run file, its mark or the guardian.
func BecomeSubreaper() error { return nil }
func Forget(pid int)         {}
func ReapZombie(p Info) bool { return false }

// Self is this process as ps sees it.
func Self() Info {
	p, ok := readPS(os.Getpid())
	if !ok {
		p = Info{PID: os.Getpid()}
	}
	return p
}
