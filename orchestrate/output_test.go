//go:build unix

package orchestrate

import (
	"github.com/sommelier-arena/arena-dev/runstate"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

func TestChildOutputNeverInterleaves(t *testing.T) {
	one := helper(t, "one", "chatter", "TAG=one")
	two := helper(t, "two", "chatter", "TAG=two")
	one.Probe, two.Probe = logProbe(`^one done$`), logProbe(`^two done$`)
	logDir := t.TempDir()
	r := start(t, []ServiceSpec{one, two}, Options{LogDir: logDir})
	r.waitState(t, "one", runstate.StateReady, 20*time.Second)
	r.waitState(t, "two", runstate.StateReady, 20*time.Second)
	if err := r.stop(t, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	// The unterminated last line is flushed when the stream ends.
	testenv.CheckWholeLines(t, r.out.String(), map[string]int{"one": 800, "two": 800})
	if !strings.Contains(r.out.String(), "[one] one tail-without-newline\n") {
		t.Error("partial last line not flushed at exit")
	}
	b, err := os.ReadFile(filepath.Join(logDir, "one.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), " stdout one g"); n != 800 || strings.Contains(string(b), "two g") {
		t.Errorf("one.log has %d of one's 800 lines (or some of two's)", n)
	}
}
