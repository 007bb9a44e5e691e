//go:build linux && !arena_portable

package procutil

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ReadProc parses /proc/<pid>/stat (the command name may contain spaces and
// parentheses, so fields are read after the last ')').
func ReadProc(pid int) (Info, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Info{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return Info{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 20 {
		return Info{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ppid, _ := strconv.Atoi(f[1])
	pgid, _ := strconv.Atoi(f[2])
	sid, _ := strconv.Atoi(f[3])
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Info{}, fmt.Errorf("/proc/%d/stat: start time: %w", pid, err)
	}
	return Info{PID: pid, State: f[0][0], PPID: ppid, PGID: pgid, Session: sid, StartTicks: start}, nil
}

// StartTicks is the process's start time, 0 when unknown.
func StartTicks(pid int) uint64 {
	p, err := ReadProc(pid)
	if err != nil {
		return 0
	}
	return p.StartTicks
}

// SameProcess says whether pid is still the process that started at ticks (not a
// reused pid) and has not exited (a zombie counts as gone).
func SameProcess(pid int, ticks uint64) bool {
	p, err := ReadProc(pid)
	if err != nil || p.State == 'Z' || p.State == 'X' {
		return false
	}
	return ticks == 0 || p.StartTicks == ticks
}

// Cmdline is the process's command line, arguments joined by spaces.
func Cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// allPIDs lists the numeric entries of /proc.
func allPIDs() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// GroupMembers lists the live (non-zombie) processes of a group that started no
// earlier than notBefore ticks (0 = any): zombies are dead, whether or not pid 1
// ever reaps them, and older processes cannot belong to a group created later.
func GroupMembers(pgid int, notBefore uint64) []Info {
	var out []Info
	for _, pid := range allPIDs() {
		p, err := ReadProc(pid)
		if err != nil || p.PGID != pgid || p.State == 'Z' || p.State == 'X' {
			continue
		}
		if notBefore != 0 && p.StartTicks < notBefore {
			continue
		}
		out = append(out, p)
	}
	return out
}

// GroupAlive says whether any live process remains in the group.
func GroupAlive(pgid int) bool { return len(GroupMembers(pgid, 0)) > 0 }

// listenInodes returns the socket inodes listening on port, from /proc/net/tcp{,6}.
func listenInodes(port int) map[string]bool {
	inodes := map[string]bool{}
	want := fmt.Sprintf(":%04X", port)
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fl := strings.Fields(sc.Text())
			if len(fl) < 10 || fl[3] != "0A" || !strings.HasSuffix(fl[1], want) {
				continue
			}
			inodes[fl[9]] = true
		}
		f.Close()
	}
	return inodes
}

// PortHolders finds the processes that hold a listening socket on port (only
// those whose fds this user may read).
func PortHolders(port int) []int {
	inodes := listenInodes(port)
	if len(inodes) == 0 {
		return nil
	}
	var pids []int
	for _, pid := range allPIDs() {
		dir := fmt.Sprintf("/proc/%d/fd", pid)
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
