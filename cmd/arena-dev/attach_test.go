package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// lightProject is a project with the answers API and one small Node service
// (configured through an env file), and the reference Worker's wrangler.toml:
// every kind of file a stack is resolved from, and a stack that starts in a
// moment.
func lightProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	wrangler, err := os.ReadFile(filepath.Join(testenv.ExampleDir(t), "wine-answers-worker", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	answers, tool := testenv.FreePort(t), testenv.FreePort(t)
	for name, body := range map[string]string{
		"wrangler.toml": string(wrangler),
		".dev.vars":     "CORS_ORIGINS=http://localhost:4321\n",
		"tool.env":      "GREETING=hello\n",
		config.FileName: fmt.Sprintf(`[answers]
port = %d
[services.tool]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end(process.env.GREETING)).listen(+process.env.PORT,'127.0.0.1')"]
port = %d
env_file = ["tool.env"]
`, answers, tool),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// upLight starts the stack in the background and stops it (every stack of the
// project) when the test ends.
func upLight(t *testing.T, dir string, args ...string) string {
	t.Helper()
	t.Cleanup(func() { runArenaDev(t, dir, "down", "--all") })
	out, errOut, code := runArenaDev(t, dir, append([]string{"up", "--wait", "--ephemeral", "--timeout", "60s"}, args...)...)
	if code != 0 {
		t.Fatalf("up --wait %v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

// Defect 1 of issue 16: a running stack is reached through its run file, so
// a configuration broken after `up` (a syntax error in arena-dev.toml, .dev.vars,
// an env file or the wrangler config) does not keep status, logs, restart,
// stop, start or down from acting on it. Defect 4: `down --name` says which
// stack it stopped. snapshot, kv propagate, open and conformance reach it the
// same way.
func TestBrokenConfigDoesNotBlockTheRunningStack(t *testing.T) {
	breakages := map[string]string{
		config.FileName: "[answers\nport = 1\n",
		".dev.vars":     "CORS_ORIGINS\n",
		"tool.env":      "GREETING='never closed\n",
		"wrangler.toml": "[[kv_namespaces]\nbinding = \n",
	}
	for file, broken := range breakages {
		t.Run(file, func(t *testing.T) {
			dir := lightProject(t)
			upLight(t, dir, "--name", "r1")
			if err := os.WriteFile(filepath.Join(dir, file), []byte(broken), 0o644); err != nil {
				t.Fatal(err)
			}
			// The broken file is really broken: what resolves the model says so.
			if _, errOut, code := runArenaDev(t, dir, "up", "--wait", "--name", "r2"); code != 2 {
				t.Fatalf("up with a broken %s: exit %d, want 2: %s", file, code, errOut)
			}
			for _, args := range [][]string{
				{"status", "--name", "r1"},
				{"logs", "--name", "r1", "-n", "3", "tool"},
				{"restart", "--name", "r1", "tool"},
				{"stop", "--name", "r1", "tool"},
				{"start", "--name", "r1", "tool"},
				{"status", "--name", "r1"},
				{"snapshot", "save", "--name", "r1", "s1"},
				{"snapshot", "restore", "--name", "r1", "s1"},
				{"kv", "propagate", "--name", "r1"},
				{"open", "--print", "--name", "r1"},
				{"conformance", "--name", "r1"},
			} {
				if out, errOut, code := runArenaDev(t, dir, args...); code != 0 {
					t.Fatalf("%v with a broken %s: exit %d\n%s%s", args, file, code, out, errOut)
				}
			}
			out, errOut, code := runArenaDev(t, dir, "down", "--name", "r1")
			if code != 0 || strings.TrimSpace(out) != "stopped stack r1" {
				t.Fatalf("down --name r1 with a broken %s: exit %d\n%s%s", file, code, out, errOut)
			}
			if out, _, code := runArenaDev(t, dir, "status", "--name", "r1"); code != 3 {
				t.Fatalf("status after down: exit %d, want 3\n%s", code, out)
			}
		})
	}
}

// Defect 2 of issue 16: `up --wait` on the stack it already runs compares
// whole models, the newly resolved one taking the running stack's ports under
// --ports auto: the same command twice succeeds (the status again), one that
// changes what the stack cannot change in place (its KV state) is refused
// naming what differs, and one that changes a service is applied to it (issue
// 19: up converges).
func TestUpWaitTwiceIsTheSameStack(t *testing.T) {
	dir := lightProject(t)
	args := []string{"--ports", "auto", "--name", "e1", "--kv-consistency", "edge"}
	first := upLight(t, dir, args...)
	if !strings.Contains(first, "stack ready") {
		t.Fatalf("first up: %s", first)
	}
	if _, err := os.Stat(filepath.Join(dir, ".wrangler", "arena-dev", "stacks", "e1", "model.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the model file handed to the background up is left behind: %v", err)
	}
	out, errOut, code := runArenaDev(t, dir, append([]string{"up", "--wait", "--ephemeral", "--timeout", "60s"}, args...)...)
	if code != 0 || !strings.Contains(out, "already running") || !strings.Contains(out, "tool") {
		t.Fatalf("second up --wait %v: exit %d\n%s%s", args, code, out, errOut)
	}
	out, errOut, code = runArenaDev(t, dir, append([]string{"up", "--wait", "--timeout", "60s"}, args...)...)
	if code != 2 || !strings.Contains(errOut, "ephemeral true -> false") {
		t.Fatalf("up --wait on another KV state: exit %d, want 2 naming ephemeral\n%s%s", code, out, errOut)
	}
	out, errOut, code = runArenaDev(t, dir, "up", "--wait", "--ephemeral", "--ports", "auto", "--name", "e1", "--timeout", "60s")
	if code != 0 || !strings.Contains(out, "answers: restart (kv consistency edge/1m0s -> strong/0s)") || !strings.Contains(out, "tool: keep") {
		t.Fatalf("up --wait with another consistency: exit %d, want the answers restarted and tool kept\n%s%s", code, out, errOut)
	}
}
