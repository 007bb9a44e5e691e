//go:build unix

package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is what the tests need to know about a live process.
type proc struct {
	PID, PGID int
	State     string // R, S, Z, ...
	Cwd       string
	Cmdline   string
}

func (p proc) String() string {
	return fmt.Sprintf("pid %d (pgid %d, %s, cwd %s): %s", p.PID, p.PGID, p.State, p.Cwd, p.Cmdline)
}

// readProc reads /proc/PID; ok is false when the process is gone.
func readProc(pid int) (proc, bool) {
	base := filepath.Join("/proc", strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(base, "stat"))
	if err != nil {
		return proc{}, false
	}
	// "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return proc{}, false
	}
	p := proc{PID: pid, State: f[0]}
	p.PGID, _ = strconv.Atoi(f[2])
	p.Cwd, _ = os.Readlink(filepath.Join(base, "cwd"))
	if raw, err := os.ReadFile(filepath.Join(base, "cmdline")); err == nil {
		p.Cmdline = strings.TrimSpace(strings.ReplaceAll(string(raw), "\x00", " "))
	}
	return p, true
}

// liveProcs lists every process except zombies (a zombie holds no port and no
// files; an orphan's may linger where pid 1 does not reap) and this test process.
func liveProcs() []proc {
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if p, ok := readProc(pid); ok && p.State != "Z" && p.State != "X" {
			out = append(out, p)
		}
	}
	return out
}

// stackProcs are the live processes that belong to the stack in dir: their working
// directory is in it, or their command line names it.
func stackProcs(dir string) []proc {
	var out []proc
	for _, p := range liveProcs() {
		if p.Cwd == dir || strings.HasPrefix(p.Cwd, dir+"/") || strings.Contains(p.Cmdline, dir) {
			out = append(out, p)
		}
	}
	return out
}

// groupProcs are the live processes in any of the process groups. The test's own
// group is never one of them (every arena-dev the tests start gets its own group).
func groupProcs(pgids map[int]bool) []proc {
	own := syscall.Getpgrp()
	var out []proc
	for _, p := range liveProcs() {
		if pgids[p.PGID] && p.PGID != own {
			out = append(out, p)
		}
	}
	return out
}

// portFree reports whether nothing listens on port, on any address: listening on
// the wildcard fails when anything holds 127.0.0.1:port or 0.0.0.0:port (PartyKit
// binds the wildcard).
func portFree(port int) error {
	l, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		return err
	}
	return l.Close()
}

// leftovers describes what remains of a stack: live processes in dir or in the
// groups, live pids, taken ports. Empty means nothing remains.
func leftovers(dir string, pids []int, pgids map[int]bool, ports []int) []string {
	var out []string
	seen := map[int]bool{}
	add := func(why string, p proc) {
		if !seen[p.PID] {
			seen[p.PID] = true
			out = append(out, why+": "+p.String())
		}
	}
	for _, p := range stackProcs(dir) {
		add("process of the stack dir", p)
	}
	for _, p := range groupProcs(pgids) {
		add("process in a stack group", p)
	}
	for _, pid := range pids {
		if p, ok := readProc(pid); ok && p.State != "Z" {
			add("service pid still alive", p)
		}
	}
	for _, port := range ports {
		if err := portFree(port); err != nil {
			out = append(out, fmt.Sprintf("port %d still taken: %v", port, err))
		}
	}
	return out
}

// stackGoneGrace is how long processes may take to vanish once arena-dev says it
// stopped: a SIGKILLed group is reaped by the kernel asynchronously.
const stackGoneGrace = 3 * time.Second

// assertStackGone fails unless nothing of the stack remains within stackGoneGrace.
func assertStackGone(t testing.TB, what, dir string, pids []int, pgids map[int]bool, ports []int) {
	t.Helper()
	start := time.Now()
	var left []string
	for {
		left = leftovers(dir, pids, pgids, ports)
		if len(left) == 0 {
			t.Logf("%s: nothing of the stack remains (checked after %s)", what, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > stackGoneGrace {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: %d things of the stack remain after %s:\n  %s", what, len(left), stackGoneGrace, strings.Join(left, "\n  "))
}

// killLeftovers SIGKILLs what a failed test left behind (never the test's group),
// so one failure does not leave dev servers running on a shared machine.
func killLeftovers(t testing.TB, dir string, pgids map[int]bool) {
	own := syscall.Getpgrp()
	groups := map[int]bool{}
	for _, p := range append(stackProcs(dir), groupProcs(pgids)...) {
		if p.PGID != own && p.PGID > 1 {
			groups[p.PGID] = true
		}
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	for g := range groups {
		_ = syscall.Kill(-g, syscall.SIGKILL)
	}
	if len(groups) > 0 {
		t.Logf("cleanup: SIGKILLed leftover process groups %v", keys(groups))
	}
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	return out
}
