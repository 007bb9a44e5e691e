package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
)

// waitDelay bounds how long Wait waits for a child's output pipes after the child
// exited: a grandchild that escaped the group while holding stdout must not hang
// shutdown (exec.Cmd.WaitDelay closes the pipes and Wait returns).
const waitDelay = 500 * time.Millisecond

// runner is one attempt at running a service, process-compose's "Commander" idea:
// the supervisor's run loop drives child processes and in-process services alike.
type runner interface {
	start() error
	done() <-chan struct{} // closed when the leader exited or Run returned
	exitErr() error        // valid after done
	pid() int
	pgid() int // 0 for an in-process service
	startTicks() uint64
	terminate() error // polite: SIGTERM to the group, or cancel Run's context
	kill() error      // SIGKILL to the group (an in-process Run cannot be killed)
	gone() bool       // done, and no process of the group is left
}

// childRunner runs the spec's command as the leader of a new process group.
type childRunner struct {
	spec           ServiceSpec
	stdout, stderr io.Writer // flushed at exit when they buffer lines (svclog.LineSplitter)
	owner          string    // procutil.OwnerEnv's value; "" for a detached child
	// detached: a session of its own that outlives arena-dev (see StartChild).
	detached bool
	cmd      *exec.Cmd
	doneCh   chan struct{}
	err      error
	group    int
	ticks    uint64
}

func newChildRunner(spec ServiceSpec, owner string, stdout, stderr io.Writer) *childRunner {
	return &childRunner{spec: spec, owner: owner, stdout: stdout, stderr: stderr, doneCh: make(chan struct{})}
}

func (c *childRunner) start() error {
	dir := c.spec.Dir
	if dir == "" {
		dir, _ = os.Getwd()
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("working directory %s: not a directory (%v)", dir, err)
	}
	argv := c.spec.Command
	if c.spec.Shell {
		argv = []string{"/bin/sh", "-c", argv[0]}
	}
	path := programPath(argv[0], dir, c.spec.Env)
	cmd := exec.Command(path, argv[1:]...)
	if cmd.Err != nil {
		return fmt.Errorf("command %q: %w", argv[0], cmd.Err)
	}
	cmd.Args[0] = argv[0]
	cmd.Dir = dir
	// PWD must match the cwd (workerd warns otherwise); later entries win.
	// The owner mark goes last so a service's own env cannot drop it.
	cmd.Env = append(append(os.Environ(), c.spec.Env...), "PWD="+dir)
	if c.owner != "" {
		cmd.Env = append(cmd.Env, procutil.OwnerEnv+"="+c.owner)
	}
	cmd.Stdin = nil // /dev/null: on a TTY partykit grabs raw mode, and Vite exits at EOF of a PTY
	cmd.Stdout, cmd.Stderr = c.stdout, c.stderr
	cmd.WaitDelay = waitDelay
	if c.detached {
		// Not procutil.Start: its death signal would end the child with us.
		procutil.Detach(cmd)
		err = cmd.Start()
	} else {
		procutil.NewGroup(cmd)
		err = procutil.Start(cmd)
	}
	if err != nil {
		return err
	}
	c.cmd = cmd
	c.group = procutil.GroupOf(cmd.Process.Pid)
	c.ticks = procutil.StartTicks(cmd.Process.Pid)
	go func() {
		err := cmd.Wait()
		procutil.Forget(cmd.Process.Pid)
		if errors.Is(err, exec.ErrWaitDelay) {
			err = nil // the leader exited cleanly; a leftover held its output
		}
		for _, w := range []io.Writer{c.stdout, c.stderr} {
			if f, ok := w.(interface{ Flush() }); ok {
				f.Flush()
			}
		}
		c.err = err
		close(c.doneCh)
	}()
	return nil
}

func (c *childRunner) done() <-chan struct{} { return c.doneCh }
func (c *childRunner) exitErr() error        { return c.err }
func (c *childRunner) pid() int              { return c.cmd.Process.Pid }
func (c *childRunner) pgid() int             { return c.group }
func (c *childRunner) startTicks() uint64    { return c.ticks }
func (c *childRunner) terminate() error      { return procutil.TerminateGroup(c.group) }
func (c *childRunner) kill() error           { return procutil.KillGroup(c.group) }

func (c *childRunner) gone() bool {
	select {
	case <-c.doneCh:
		return !procutil.GroupAlive(c.group)
	default:
		return false
	}
}

// inprocRunner runs the spec's Run function in a goroutine.
type inprocRunner struct {
	spec   ServiceSpec
	log    LineWriter
	ready  func()
	cancel context.CancelFunc
	doneCh chan struct{}
	err    error
}

func newInprocRunner(spec ServiceSpec, log LineWriter, ready func()) *inprocRunner {
	return &inprocRunner{spec: spec, log: log, ready: ready, doneCh: make(chan struct{})}
}

func (r *inprocRunner) start() error {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.doneCh)
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("panic: %v", p)
			}
		}()
		r.err = r.spec.Run(ctx, r.ready, r.log)
	}()
	return nil
}

func (r *inprocRunner) done() <-chan struct{} { return r.doneCh }
func (r *inprocRunner) exitErr() error        { return r.err }
func (r *inprocRunner) pid() int              { return os.Getpid() }
func (r *inprocRunner) pgid() int             { return 0 }
func (r *inprocRunner) startTicks() uint64    { return 0 }
func (r *inprocRunner) terminate() error      { r.cancel(); return nil }
func (r *inprocRunner) kill() error           { r.cancel(); return nil }

func (r *inprocRunner) gone() bool {
	select {
	case <-r.doneCh:
		return true
	default:
		return false
	}
}

// programPath is where argv[0] is run from: a path with a slash relative to the
// service's dir (node_modules/.bin/astro), a bare name looked up on the child's
// own PATH first (e.g. Node 22 first), then arena-dev's.
func programPath(name, dir string, env []string) string {
	switch {
	case strings.ContainsRune(name, '/') && !filepath.IsAbs(name):
		return filepath.Join(dir, name)
	case !strings.ContainsRune(name, '/'):
		if p, ok := lookPathIn(name, envValue(env, "PATH")); ok {
			return p
		}
	}
	return name
}

// envValue is the last KEY=value of key in env, or "".
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}

// lookPathIn finds an executable file name in the directories of pathList.
func lookPathIn(name, pathList string) (string, bool) {
	if pathList == "" {
		return "", false
	}
	for _, d := range filepath.SplitList(pathList) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}
