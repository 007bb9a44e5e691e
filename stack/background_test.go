//go:build unix

package stack

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

// TestStartBackgroundFailures: a background arena-dev that exits or is not ready
// in time is reported with its log's last lines and, in the second case, stopped
// through orchestrate's stop ladder, leaving no process behind.
func TestStartBackgroundFailures(t *testing.T) {
	cases := []struct {
		name, script string
		timeout      time.Duration
		want         string
	}{
		{"exits at once", "echo boom from $$; exit 3", time.Minute, "exited before the stack was ready"},
		{"never ready", "echo waiting as $$; exec sleep 1000", 500 * time.Millisecond, "not ready within --timeout 500ms"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := &project.Project{Root: dir, RunDir: filepath.Join(dir, "run")}
			start := time.Now()
			err := StartBackground(p, "/bin/sh", []string{"-c", c.script}, c.timeout, zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("StartBackground = %v, want an error containing %q", err, c.want)
			}
			if time.Since(start) > 30*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			log, _ := os.ReadFile(BackgroundLog(p.RunDir))
			fields := strings.Fields(string(log))
			if len(fields) < 3 || !strings.Contains(err.Error(), strings.TrimSpace(string(log))) {
				t.Fatalf("the error does not end with the log %q:\n%v", log, err)
			}
			pid, _ := strconv.Atoi(fields[len(fields)-1])
			if pid <= 0 || procutil.SameProcess(pid, 0) {
				t.Fatalf("background pid %d (from %q) is still there", pid, log)
			}
		})
	}
}
