package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
)

// answersOnlyProject writes an arena-dev.toml with the answers API alone.
func answersOnlyProject(t *testing.T, port int) string {
	t.Helper()
	dir := t.TempDir()
	toml := fmt.Sprintf("[answers]\nport = %d\nnamespace_id = \"wine-answers-ns\"\npersist_to = \"state\"\n", port)
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The snapshot commands on a project with no stack running: save, list, restore
// (the state comes back), --force, rm, and the errors with their exit codes.
func TestSnapshotCommands(t *testing.T) {
	dir := answersOnlyProject(t, testenv.FreePort(t))
	ok := func(args ...string) string {
		t.Helper()
		out, errOut, code := runArenaDev(t, dir, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		return out
	}
	ok("kv", "key", "put", "k", "v1")
	ok("kv", "key", "put", "gone", "x", "--metadata", `{"a":1}`)
	if out := ok("snapshot", "save", "s1"); !strings.Contains(out, `saved snapshot "s1": 2 keys`) {
		t.Fatalf("save said %q", out)
	}
	ok("kv", "key", "put", "k", "v2")
	ok("kv", "key", "delete", "gone")
	var list []struct {
		Name      string
		Keys      int
		Namespace string
	}
	if err := json.Unmarshal([]byte(ok("snapshot", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].Name != "s1" || list[0].Keys != 2 || list[0].Namespace != "wine-answers-ns" {
		t.Fatalf("list --json: %+v %v", list, err)
	}
	if out := ok("snapshot", "list"); !strings.Contains(out, "NAME") || !strings.Contains(out, "s1") {
		t.Fatalf("list: %q", out)
	}
	ok("snapshot", "restore", "s1")
	if v := ok("kv", "key", "get", "k"); v != "v1" {
		t.Fatalf("k after restore = %q, want v1", v)
	}
	if v := ok("kv", "key", "get", "gone"); v != "x" {
		t.Fatalf("gone after restore = %q, want x", v)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"snapshot", "save", "s1"}, 1, `snapshot "s1" already exists`},
		{[]string{"snapshot", "save", "../escape"}, 2, `snapshot name "../escape"`},
		{[]string{"snapshot", "save"}, 2, "usage: arena-dev snapshot save NAME"},
		{[]string{"snapshot", "restore", "nope"}, 1, `no snapshot named "nope" (there are: s1)`},
		{[]string{"snapshot", "rm", "nope"}, 1, `no snapshot named "nope"`},
		{[]string{"kv", "propagate"}, 3, "not running"},
	} {
		_, errOut, code := runArenaDev(t, dir, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
	ok("kv", "key", "put", "k", "v3")
	ok("snapshot", "save", "--force", "s1")
	ok("kv", "key", "put", "k", "v4")
	ok("snapshot", "restore", "s1")
	if v := ok("kv", "key", "get", "k"); v != "v3" {
		t.Fatalf("k after restoring the replaced snapshot = %q, want v3", v)
	}
	ok("snapshot", "rm", "s1")
	if out := ok("snapshot", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("list after rm: %s", out)
	}
}

// `up --fixtures` on the real stack code: the fixtures are loaded before the
// API starts (seeding fills only what they leave empty), they are part of the
// start state POST /_arena/reset goes back to, and `snapshot restore` and `kv
// propagate` reach the running stack through its answers port.
func TestUpFixturesAndResetOnRunningStack(t *testing.T) {
	port := testenv.FreePort(t)
	dir := answersOnlyProject(t, port)
	fixtures := filepath.Join(dir, "fixtures.json")
	os.WriteFile(fixtures, []byte(`[
  {"key": "answers:grape", "value": "[{\"id\":\"fixture-grape\",\"label\":\"Fixture Grape\",\"custom\":true,\"createdAt\":\"2026-11-27T03:00:00Z\"}]"},
  {"key": "blob", "value": "AP8=", "base64": true, "metadata": {"from": "fixtures"}}
]`), 0o644)
	p, err := project.Resolve(project.Options{Dir: dir, Services: []string{"answers"}, KVConsistency: "edge", KVPropagationDelay: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	log := zerolog.Nop()
	load, err := fixturesLoader(fixtures, &log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- stack.Run(ctx, stack.Options{Project: p, Logger: log, Output: io.Discard, Fixtures: load,
			Ready: func([]runstate.ServiceStatus) { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("the stack ended before ready: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("stack.Run: %v", err)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	call := func(method, path, colo string) string {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(`{"label":"Added By Test"}`))
		if colo != "" {
			req.Header.Set("X-Arena-Colo", colo)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
		return string(b)
	}
	if g := call("GET", "/answers/grape", ""); !strings.Contains(g, "fixture-grape") || strings.Contains(g, `"merlot"`) {
		t.Fatalf("grape at start: %s (want the fixture, not the seeds)", g)
	}
	if c := call("GET", "/answers/color", ""); !strings.Contains(c, `"red"`) {
		t.Fatalf("color at start: %s (want the seeds: no fixture for it)", c)
	}
	call("GET", "/answers/grape", "SJC")
	call("POST", "/answers/grape", "CDG")
	if g := call("GET", "/answers/grape", "SJC"); strings.Contains(g, "added-by-test") {
		t.Fatal("edge mode from project.Options did not reach the API: SJC sees CDG's write at once")
	}
	if out, errOut, code := runArenaDev(t, dir, "kv", "propagate"); code != 0 || !strings.Contains(out, "SJC\tanswers:grape") {
		t.Fatalf("kv propagate: %d %q %q", code, out, errOut)
	}
	if g := call("GET", "/answers/grape", "SJC"); !strings.Contains(g, "added-by-test") {
		t.Fatal("SJC still stale after kv propagate")
	}
	if out, errOut, code := runArenaDev(t, dir, "snapshot", "save", "added"); code != 0 {
		t.Fatalf("snapshot save on the running stack: %s %s", out, errOut)
	}
	call("POST", "/_arena/reset", "")
	if g := call("GET", "/answers/grape", "CDG"); strings.Contains(g, "added-by-test") || !strings.Contains(g, "fixture-grape") {
		t.Fatalf("grape after reset: %s, want the fixtures' start state", g)
	}
	if out, errOut, code := runArenaDev(t, dir, "snapshot", "restore", "added"); code != 0 || !strings.Contains(out, "into the running stack") {
		t.Fatalf("snapshot restore on the running stack: %d %q %q", code, out, errOut)
	}
	if g := call("GET", "/answers/grape", "CDG"); !strings.Contains(g, "added-by-test") {
		t.Fatalf("grape after restoring %q: %s", "added", g)
	}
	if v, _, _ := runArenaDev(t, dir, "kv", "key", "get", "blob"); v != "\x00\xff" {
		t.Fatalf("the binary fixture reads %q", v)
	}
}
