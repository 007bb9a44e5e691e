package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// `arena-dev version` names the supervision mechanisms of the build, so a
// binary built with -tags arena_portable can be told from a Linux one.
func TestVersionNamesSupervision(t *testing.T) {
	var stdout, stderr bytes.Buffer
	app := newApp()
	app.Writer, app.ErrWriter = &stdout, &stderr
	if code := runApp(app, []string{"arena-dev", "version"}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := map[string]string{"linux": "pdeathsig, subreaper, /proc, guardian", "darwin": "guardian, ps", "windows": "job object"}[runtime.GOOS]
	if portableBuild {
		want = "guardian, ps"
	}
	if line := "supervision: " + want + "\n"; want == "" || !strings.HasSuffix(stdout.String(), line) {
		t.Errorf("version printed %q, want it to end with %q", stdout.String(), line)
	}
}
