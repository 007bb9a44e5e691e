//go:build unix

package orchestrate

import (
	"bufio"
	"encoding/json"
	"github.com/sommelier-arena/arena-dev/runstate"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// The guardian keeps the promise that no process of the stack outlives
// arena-dev, however arena-dev ends. A death signal (Linux's Pdeathsig) reaches
// only a direct child, and exists on Linux alone: PartyKit's workerd, node's
// child in the same group, lived on after a SIGKILL of arena-dev. So arena-dev
// re-executes itself as a tiny guardian holding the read end of a pipe; the
// supervisor writes the groups and strays it runs to that pipe on every change.
// The pipe closes when arena-dev exits, cleanly or by SIGKILL (the kernel closes
// a dead process's files), and on that EOF the guardian stops what was last
// recorded and still lives: SIGTERM, guardianGrace, SIGKILL. A clean exit has
// stopped everything already, and the guardian finds nothing.

// guardianEnv, when set, makes this process the guardian (its value is the log
// file, or "-" for none). It is checked in init, so a test binary re-executed
// as the guardian never reaches its tests.
const guardianEnv = "ARENA_DEV_GUARDIAN"

// guardianGrace is how long the guardian waits after SIGTERM before SIGKILL:
// arena-dev is gone, nobody waits for a graceful stop, and what is left must be
// gone within seconds.
const guardianGrace = 1500 * time.Millisecond

func init() {
	if logPath := os.Getenv(guardianEnv); logPath != "" {
		os.Exit(runGuardian(os.Stdin, logPath))
	}
}

// guardState is one line on the pipe: everything to stop should arena-dev vanish.
type guardState struct {
	Groups []guardGroup   `json:"groups,omitempty"`
	Strays []procutil.Ref `json:"strays,omitempty"`
}

// guardGroup is a service's process group and its leader's start time: a group
// is signalled only while it has members started no earlier (a reused id is not ours).
type guardGroup struct {
	PGID       int    `json:"pgid"`
	StartTicks uint64 `json:"start_ticks,omitempty"`
}

// runGuardian reads states until EOF, then stops the last one.
func runGuardian(r io.Reader, logPath string) int {
	// Out of the terminal's reach: a Ctrl-C is arena-dev's to handle.
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGTERM)
	log := zerolog.Nop()
	if logPath != "-" {
		if f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			log = zerolog.New(f).With().Timestamp().Int("guardian", os.Getpid()).Logger()
		}
	}
	var last guardState
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var st guardState
		if err := json.Unmarshal(sc.Bytes(), &st); err == nil {
			last = st
		}
	}
	left := stopGuarded(last, guardianGrace, log)
	if left > 0 {
		log.Error().Int("left", left).Msg("processes survived SIGKILL")
		return 1
	}
	return 0
}

// stopGuarded stops the groups and strays of st that still live and returns how
// many processes are left after SIGKILL.
func stopGuarded(st guardState, grace time.Duration, log zerolog.Logger) int {
	alive := func() (groups []int, strays []procutil.Ref) {
		for _, g := range st.Groups {
			if g.PGID > 1 && len(procutil.GroupMembers(g.PGID, g.StartTicks)) > 0 {
				groups = append(groups, g.PGID)
			}
		}
		for _, r := range st.Strays {
			if r.Alive() {
				strays = append(strays, r)
			}
		}
		return groups, strays
	}
	signal := func(groups []int, strays []procutil.Ref, group func(int) error, one func(procutil.Ref) error) {
		for _, g := range groups {
			_ = group(g)
		}
		for _, r := range strays {
			_ = one(r)
		}
	}
	groups, strays := alive()
	if len(groups) == 0 && len(strays) == 0 {
		return 0
	}
	log.Warn().Ints("groups", groups).Int("strays", len(strays)).Msg("arena-dev is gone: stopping what it ran")
	signal(groups, strays, procutil.TerminateGroup, procutil.TerminateRef)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if groups, strays = alive(); len(groups) == 0 && len(strays) == 0 {
			return 0
		}
		time.Sleep(50 * time.Millisecond) // polling the process table: nothing to wait on
	}
	signal(groups, strays, procutil.KillGroup, procutil.KillRef)
	deadline = time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if groups, strays = alive(); len(groups) == 0 && len(strays) == 0 {
			return 0
		}
		time.Sleep(50 * time.Millisecond)
	}
	return len(groups) + len(strays)
}

// guardian is the supervisor's end of the pipe.
type guardian struct {
	mu   sync.Mutex
	w    *os.File
	cmd  *exec.Cmd
	last []byte
	done chan struct{}
}

// startGuardian re-executes this binary as the guardian. Without it the stack
// still runs (a death signal still covers direct children on Linux); the
// reason is logged.
func startGuardian(logPath string, log zerolog.Logger) *guardian {
	exe, err := os.Executable()
	if err != nil {
		log.Warn().Err(err).Msg("no guardian: cannot find arena-dev's executable")
		return nil
	}
	r, w, err := os.Pipe() // close-on-exec: no service inherits the write end
	if err != nil {
		log.Warn().Err(err).Msg("no guardian: pipe")
		return nil
	}
	defer r.Close()
	if logPath == "" {
		logPath = "-"
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), guardianEnv+"="+logPath)
	cmd.Stdin = r
	// A group of its own: the terminal's signals go to arena-dev's group. No
	// death signal: the guardian's whole purpose is to outlive arena-dev.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		log.Warn().Err(err).Msg("no guardian: cannot start it")
		return nil
	}
	g := &guardian{w: w, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(g.done) }()
	return g
}

// update sends st when it differs from the last state sent.
func (g *guardian) update(st guardState) {
	if g == nil {
		return
	}
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.w == nil || slices.Equal(b, g.last) {
		return
	}
	if _, err := g.w.Write(append(b, '\n')); err == nil {
		g.last = b
	}
}

// finish closes the pipe once the stack is stopped and waits (boundedly: its
// own ladder's length) for the guardian to find nothing left and exit: it is a
// child too.
func (g *guardian) finish() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.w.Close()
	g.w = nil
	g.mu.Unlock()
	select {
	case <-g.done:
	case <-time.After(3 * guardianGrace):
	}
}

// guardStateOf is what the guardian must stop, from the services' statuses.
func guardStateOf(sts []runstate.ServiceStatus) guardState {
	var st guardState
	for _, s := range sts {
		if s.PGID > 1 {
			st.Groups = append(st.Groups, guardGroup{PGID: s.PGID, StartTicks: s.StartTicks})
		}
		st.Strays = append(st.Strays, s.Escaped...)
	}
	return st
}
