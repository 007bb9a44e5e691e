package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/project"
)

func runOpen(t *testing.T, args ...string) string {
	t.Helper()
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	if err := app.Run(append([]string{"arena-dev", "open", "--dir", t.TempDir()}, args...)); err != nil {
		t.Fatalf("open %v: %v\n%s", args, err, out.String())
	}
	return out.String()
}

// `open` prints the URL with --print or without an opener, and otherwise hands it
// to the opener; it succeeds either way.
func TestOpen(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("the opener faked here is xdg-open")
	}
	const url = "http://127.0.0.1:8787/_arena/"
	if out := runOpen(t, "--print"); out != url+"\n" {
		t.Fatalf("open --print: %q", out)
	}
	empty := t.TempDir()
	t.Setenv("PATH", empty)
	if out := runOpen(t); !strings.Contains(out, url) || !strings.Contains(out, "no xdg-open") {
		t.Fatalf("open without an opener: %q", out)
	}
	// An xdg-open that writes down what it was asked to open.
	got := filepath.Join(empty, "opened")
	script := "#!/bin/sh\necho \"$1\" > " + got + ".tmp && mv " + got + ".tmp " + got + "\n"
	if err := os.WriteFile(filepath.Join(empty, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", empty+":/bin:/usr/bin")
	if out := runOpen(t); !strings.Contains(out, "opening "+url) {
		t.Fatalf("open: %q", out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(got)
		if err == nil {
			if strings.TrimSpace(string(b)) != url {
				t.Fatalf("xdg-open got %q, want %s", b, url)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("xdg-open was not run within 5s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// `open` carries the token once: the running stack's from its run file, or
// without a stack ARENA_DEV_TOKEN (what `serve` was given); the terminal is
// shown the clean URL when a browser gets it.
func TestOpenCarriesTheToken(t *testing.T) {
	t.Setenv("ARENA_DEV_TOKEN", "from+env")
	if out := runOpen(t, "--print"); out != "http://127.0.0.1:8787/_arena/?token=from%2Benv\n" {
		t.Fatalf("open --print with ARENA_DEV_TOKEN: %q", out)
	}
	dir := t.TempDir()
	runDir := filepath.Join(dir, ".wrangler", "arena-dev")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A run file whose owner is this test process: a live stack, as far as open
	// can tell, running the model resolved here with its answers on port 9999.
	model, err := project.Resolve(project.Options{Dir: dir, Ports: []string{"answers=9999"}})
	if err != nil {
		t.Fatal(err)
	}
	mj, err := model.JSON()
	if err != nil {
		t.Fatal(err)
	}
	rf, _ := json.Marshal(map[string]any{"pid": os.Getpid(), "start_ticks": procutil.StartTicks(os.Getpid()), "token": "stacktoken",
		"project": json.RawMessage(mj), "control": map[string]string{"socket": filepath.Join(runDir, "control.sock")},
		"services": []map[string]any{{"name": "answers", "state": "ready", "url": "http://127.0.0.1:9999"}}})
	if err := os.WriteFile(filepath.Join(runDir, "run.json"), rf, 0o600); err != nil {
		t.Fatal(err)
	}
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	if err := app.Run([]string{"arena-dev", "open", "--dir", dir, "--print"}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "http://127.0.0.1:9999/_arena/?token=stacktoken\n" {
		t.Fatalf("open --print with a running stack: %q", out.String())
	}
	t.Setenv("PATH", t.TempDir()) // no opener: it prints the URL to open by hand, token and all
	out.Reset()
	if err := app.Run([]string{"arena-dev", "open", "--dir", dir}); err != nil || !strings.Contains(out.String(), "?token=stacktoken") {
		t.Fatalf("open without an opener: %v %q", err, out.String())
	}
}
