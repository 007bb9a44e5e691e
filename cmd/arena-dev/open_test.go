package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
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
