package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

const kvTestToml = `name = "kv-test"

[[kv_namespaces]]
binding = "ANSWERS"
id = "answers-prod"
preview_id = "answers-preview"

[[kv_namespaces]]
binding = "OTHER"
id = "other-ns"
`

func kvProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(kvTestToml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// nsExists reports whether the namespace's database exists in the default state.
func nsExists(dir, id string) bool {
	_, err := os.Stat(emulator.DatabasePath(filepath.Join(dir, ".wrangler", "state"), id))
	return err == nil
}

func TestKVKeyCommands(t *testing.T) {
	dir := kvProject(t)
	run := func(args ...string) (string, string, int) {
		return runArenaDev(t, dir, append([]string{"kv"}, args...)...)
	}

	if out, errOut, code := run("key", "put", "answers:color", `["red"]`, "--binding", "OTHER", "--metadata", `{"v": 1}`); code != 0 || !strings.Contains(out, "answers:color") {
		t.Fatalf("put: %d %s %s", code, out, errOut)
	}
	if out, _, code := run("key", "get", "--binding", "OTHER", "answers:color"); code != 0 || out != `["red"]` {
		t.Fatalf("get (raw, no newline): %d %q", code, out)
	}
	if out, _, code := run("key", "get", "answers:color", "--binding", "OTHER", "--text"); code != 0 || out != "[\"red\"]\n" {
		t.Fatalf("get --text: %d %q", code, out)
	}
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	binFile := filepath.Join(dir, "bin")
	os.WriteFile(binFile, bin, 0o644)
	if _, errOut, code := run("key", "put", "bin", "--path", binFile, "--binding", "OTHER", "--ttl", "3600"); code != 0 {
		t.Fatalf("put --path: %d %s", code, errOut)
	}
	if out, _, code := run("key", "get", "bin", "--binding", "OTHER"); code != 0 || !bytes.Equal([]byte(out), bin) {
		t.Fatalf("binary get: %d %d bytes", code, len(out))
	}
	out, _, code := run("key", "list", "--binding", "OTHER")
	if code != 0 || !strings.Contains(out, "\"name\": \"answers:color\",\n    \"metadata\": {\n      \"v\": 1\n    }") || !strings.Contains(out, `"expiration": `) {
		t.Fatalf("list: %d\n%s", code, out)
	}
	if out, _, _ := run("key", "list", "--binding", "OTHER", "--prefix", "bin"); strings.Contains(out, "answers") || !strings.Contains(out, `"bin"`) {
		t.Fatalf("list --prefix: %s", out)
	}
	if _, errOut, code := run("key", "delete", "answers:color", "--binding", "OTHER"); code != 0 {
		t.Fatalf("delete: %d %s", code, errOut)
	}
	if out, errOut, code := run("key", "get", "answers:color", "--binding", "OTHER"); code != 1 || out != "" || !strings.Contains(errOut, "Value not found") {
		t.Fatalf("get after delete: %d %q %q", code, out, errOut)
	}

	// --preview chooses between id and preview_id, wrangler style.
	if _, errOut, code := run("key", "put", "k", "v", "--binding", "ANSWERS"); code != 2 || !strings.Contains(errOut, "--preview") {
		t.Fatalf("both ids, no --preview: %d %s", code, errOut)
	}
	if _, errOut, code := run("key", "put", "k", "v", "--binding", "ANSWERS", "--preview"); code != 0 || !nsExists(dir, "answers-preview") || nsExists(dir, "answers-prod") {
		t.Fatalf("--preview: %d %s", code, errOut)
	}
	if _, errOut, code := run("key", "put", "k", "v", "--binding", "ANSWERS", "--preview", "false"); code != 0 || !nsExists(dir, "answers-prod") {
		t.Fatalf("--preview false: %d %s", code, errOut)
	}
	// "--" ends the flags, so keys may start with a dash; -c is --config.
	if _, errOut, code := run("key", "put", "--binding", "OTHER", "-c", "wrangler.toml", "--", "-dash", "--v"); code != 0 {
		t.Fatalf("put after --: %d %s", code, errOut)
	}
	if out, _, code := run("key", "get", "--binding=OTHER", "--", "-dash"); code != 0 || out != "--v" {
		t.Fatalf("get after --: %d %q", code, out)
	}
	// --persist-to and --namespace-id, no config needed.
	other := t.TempDir()
	if _, errOut, code := runArenaDev(t, other, "kv", "key", "put", "x", "y", "--namespace-id", "free", "--persist-to", "st"); code != 0 {
		t.Fatalf("--persist-to: %d %s", code, errOut)
	}
	if _, err := os.Stat(emulator.DatabasePath(filepath.Join(other, "st"), "free")); err != nil {
		t.Fatalf("--persist-to ignored: %v", err)
	}
}

func TestKVErrors(t *testing.T) {
	dir := kvProject(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no namespace", []string{"key", "get", "k"}, 2, "specify --namespace-id or --binding"},
		{"both namespace flags", []string{"key", "get", "k", "--binding", "OTHER", "--namespace-id", "x"}, 2, "cannot be used together"},
		{"unknown binding", []string{"key", "get", "k", "--binding", "NOPE"}, 2, `binding "NOPE"`},
		{"missing config", []string{"key", "get", "k", "--binding", "OTHER", "--config", "absent.toml"}, 2, "absent.toml"},
		{"unknown flag", []string{"key", "get", "k", "--bogus"}, 2, "unknown flag --bogus"},
		{"flag without value", []string{"key", "get", "k", "--binding"}, 2, "--binding needs a value"},
		{"no key", []string{"key", "get", "--binding", "OTHER"}, 2, "usage: arena-dev kv key get KEY"},
		{"value and --path", []string{"key", "put", "k", "v", "--path", "f", "--binding", "OTHER"}, 2, "not both"},
		{"no value", []string{"key", "put", "k", "--binding", "OTHER"}, 2, "missing the value"},
		{"bad ttl", []string{"key", "put", "k", "v", "--ttl", "soon", "--binding", "OTHER"}, 2, `--ttl "soon"`},
		{"ttl too short", []string{"key", "put", "k", "v", "--ttl", "59", "--binding", "OTHER"}, 1, "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60."},
		{"bad metadata", []string{"key", "put", "k", "v", "--metadata", "{x", "--binding", "OTHER"}, 2, "not valid JSON"},
		{"long key", []string{"key", "get", strings.Repeat("k", 513), "--binding", "OTHER"}, 1, "exceeds key length limit of 512"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runArenaDev(t, dir, append([]string{"kv"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out, errOut, tc.code, tc.want)
			}
		})
	}
}

func TestKVBulk(t *testing.T) {
	dir := kvProject(t)
	file := filepath.Join(dir, "bulk.json")
	os.WriteFile(file, []byte(`[
  {"key": "a", "value": "plain"},
  {"key": "b", "value": "AAEC/w==", "base64": true, "metadata": {"kind": "bin"}},
  {"key": "c", "value": "soon gone", "expiration_ttl": 3600, "extra": 1}
]`), 0o644)
	out, errOut, code := runArenaDev(t, dir, "kv", "bulk", "put", file, "--binding", "OTHER")
	if code != 0 || !strings.Contains(out, "Success!") || !strings.Contains(errOut, "unexpected properties") {
		t.Fatalf("bulk put: %d %s %s", code, out, errOut)
	}
	if out, _, _ := runArenaDev(t, dir, "kv", "key", "get", "b", "--binding", "OTHER"); out != "\x00\x01\x02\xff" {
		t.Fatalf("base64 item: %q", out)
	}
	if out, _, _ := runArenaDev(t, dir, "kv", "key", "list", "--binding", "OTHER"); !strings.Contains(out, `"kind": "bin"`) || strings.Count(out, `"name"`) != 3 {
		t.Fatalf("list after bulk: %s", out)
	}
	// Bad items: nothing at all is written, and the message names every one (a type
	// error and a KV limit alike); wrangler's number forms (1e3) are fine.
	os.WriteFile(file, []byte(`[{"key": "d", "value": "ok", "expiration_ttl": 1e3}, {"key": "e", "value": 5}, {"key": "", "value": "x"}, {"key": "f", "value": "x", "expiration_ttl": 1.5}]`), 0o644)
	if _, errOut, code := runArenaDev(t, dir, "kv", "bulk", "put", file, "--binding", "OTHER"); code != 1 || !strings.Contains(errOut, "item 1") || !strings.Contains(errOut, `"value" must be a string`) ||
		!strings.Contains(errOut, "item 2") || !strings.Contains(errOut, "item 3") || strings.Contains(errOut, "item 0") {
		t.Fatalf("bad bulk: %d %s", code, errOut)
	}
	os.WriteFile(file, []byte(`[{"key": "d", "value": "ok"}, {"key": "e", "value": "x", "expiration_ttl": 10}]`), 0o644)
	if _, errOut, code := runArenaDev(t, dir, "kv", "bulk", "put", file, "--binding", "OTHER"); code != 1 || !strings.Contains(errOut, "item 1") || !strings.Contains(errOut, "nothing was written") {
		t.Fatalf("bulk over a limit: %d %s", code, errOut)
	}
	if _, _, code := runArenaDev(t, dir, "kv", "key", "get", "d", "--binding", "OTHER"); code != 1 {
		t.Fatal("a rejected bulk file wrote its first item")
	}
	os.WriteFile(file, []byte(`["a", {"name": "b"}]`), 0o644)
	if out, errOut, code := runArenaDev(t, dir, "kv", "bulk", "delete", file, "--binding", "OTHER"); code != 0 || !strings.Contains(out, "Deleted 2") {
		t.Fatalf("bulk delete: %d %s %s", code, out, errOut)
	}
	if out, _, _ := runArenaDev(t, dir, "kv", "key", "list", "--binding", "OTHER"); strings.Count(out, `"name"`) != 1 {
		t.Fatalf("after bulk delete: %s", out)
	}
}

// wrangler4 runs the real wrangler 4 CLI (Node 22) in dir, offline.
func wrangler4(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(testenv.Node22Bin(t)+"/node", append([]string{testenv.Wrangler(t)}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_UPDATE_NOTIFIER=1", "CI=true",
		"PATH="+testenv.Node22Bin(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wrangler %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// TestKVWithWrangler4: what wrangler 4 (Miniflare 4) writes, arena-dev reads, and
// back; both resolve --binding and the default state folder the same way; and
// `kv key list` prints the same bytes.
func TestKVWithWrangler4(t *testing.T) {
	dir := kvProject(t)
	wrangler4(t, dir, "kv", "key", "put", "from-wrangler", "héllo", "--binding", "OTHER", "--local", "--metadata", `{"by":"wrangler"}`, "--ttl", "3600")
	if out, errOut, code := runArenaDev(t, dir, "kv", "key", "get", "from-wrangler", "--binding", "OTHER"); code != 0 || out != "héllo" {
		t.Fatalf("arena-dev get of wrangler's key: %d %q %s", code, out, errOut)
	}
	bin := []byte{0, 1, 2, 0xfe, 0xff, '\n'}
	os.WriteFile(filepath.Join(dir, "bin"), bin, 0o644)
	// 2038: a Worker's KV binding (and wrangler 4) take expirations as 32-bit integers.
	if _, errOut, code := runArenaDev(t, dir, "kv", "key", "put", "from-arena-dev", "--path", "bin", "--binding", "OTHER", "--metadata", `{"by":"arena-dev","n":[1,2]}`, "--expiration", "2147483000"); code != 0 {
		t.Fatalf("arena-dev put: %d %s", code, errOut)
	}
	if got := wrangler4(t, dir, "kv", "key", "get", "from-arena-dev", "--binding", "OTHER", "--local"); !bytes.Equal(got, bin) {
		t.Fatalf("wrangler get of arena-dev's key: %q, want %q", got, bin)
	}
	// The preview namespace through --preview, on both sides.
	if _, errOut, code := runArenaDev(t, dir, "kv", "key", "put", "p", "preview value", "--binding", "ANSWERS", "--preview"); code != 0 {
		t.Fatalf("put --preview: %d %s", code, errOut)
	}
	if got := wrangler4(t, dir, "kv", "key", "get", "p", "--binding", "ANSWERS", "--preview", "--local"); string(got) != "preview value" {
		t.Fatalf("wrangler --preview read %q", got)
	}
	want := wrangler4(t, dir, "kv", "key", "list", "--binding", "OTHER", "--local")
	got, errOut, code := runArenaDev(t, dir, "kv", "key", "list", "--binding", "OTHER")
	if code != 0 || got != string(want) {
		t.Fatalf("kv key list differs from wrangler's (exit %d, %s)\n--- arena-dev\n%s\n--- wrangler\n%s", code, errOut, got, want)
	}
	// wrangler 4 leaves workerd's metadata.sqlite beside the namespaces: not one of them.
	files, err := mustStore(t, filepath.Join(dir, ".wrangler", "state")).DatabaseFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "metadata" {
			t.Fatal("metadata.sqlite listed as a namespace")
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".wrangler", "state", "v3", "kv", "miniflare-KVNamespaceObject", "metadata.sqlite")); err != nil {
		t.Logf("note: wrangler wrote no metadata.sqlite here (%v)", err)
	}
}

func mustStore(t *testing.T, root string) *emulator.Store {
	t.Helper()
	s, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
