package stack

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
)

// BackgroundLog is the file a background `up` writes everything to.
func BackgroundLog(runDir string) string { return filepath.Join(runDir, "up.log") }

// StartBackground runs exe with args as a detached arena-dev (its own session, no
// terminal, output appended to BackgroundLog) and waits until its stack is ready,
// a service failed, it exited, or timeout passed. On failure it stops what the
// background arena-dev started and returns the reason with the log's last lines.
func StartBackground(p *project.Project, exe string, args []string, timeout time.Duration, log zerolog.Logger) error {
	runDir := p.RunDir
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	// Say so plainly instead of starting a second arena-dev that would refuse.
	if rf, err := orchestrate.LiveOwner(runDir); err != nil {
		return err
	} else if rf != nil {
		return &orchestrate.AlreadyRunningError{RunDir: runDir, PID: rf.PID}
	}
	logPath := BackgroundLog(runDir)
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	start, _ := out.Seek(0, 2)
	cmd := exec.Command(exe, args...)
	cmd.Dir = p.Root
	cmd.Stdout, cmd.Stderr = out, out
	procutil.Detach(cmd) // survives this shell and its Ctrl-C
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting background arena-dev: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }() // reap it if it dies while we wait

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err = orchestrate.WaitForOwner(ctx, runDir, cmd.Process.Pid)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("not ready within --timeout %s: %w", timeout, err)
	}
	// Leave nothing behind. A background arena-dev that gave up is already on its
	// way out, removing its ephemeral state: a signal now would cut that short, so
	// it gets a moment first; then SIGTERM stops it and its groups.
	grace := time.Duration(0)
	if rf, _ := orchestrate.ReadRunFile(runDir); rf != nil && rf.PID == cmd.Process.Pid && rf.Exited {
		grace = exitGrace
	}
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	if _, rerr := orchestrate.ReapSurvivors(runDir, log); rerr != nil {
		log.Warn().Err(rerr).Msg("reaping after a failed start")
	}
	return fmt.Errorf("%w\n--- last lines of %s ---\n%s", err, logPath, tail(logPath, start, 25))
}

// exitGrace is how long a failed background arena-dev may take to exit by itself.
const exitGrace = 3 * time.Second

// tail returns the last n lines written to path after offset.
func tail(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return ""
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
