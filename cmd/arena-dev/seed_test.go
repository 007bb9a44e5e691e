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

func runArenaDev(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testenv.ArenaDev(t), args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// seed in a project with the reference Worker's wrangler.toml: idempotent, keeps a
// custom answer, --reset drops it, --from reads a file; and wrangler itself reads
// what seed wrote (same namespace id, same files).
func TestSeedCommand(t *testing.T) {
	dir := t.TempDir()
	toml, err := os.ReadFile(filepath.Join(testenv.ExampleDir(t), "wine-answers-worker", "wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), toml, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runArenaDev(t, dir, "seed")
	if code != 0 || !strings.Contains(out, "grape") || !strings.Contains(out, "(written)") {
		t.Fatalf("first seed: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runArenaDev(t, dir, "seed")
	if code != 0 || strings.Contains(out, "(written)") {
		t.Fatalf("second seed wrote something: exit %d\n%s", code, out)
	}

	// A custom answer, written as a running server would.
	root := filepath.Join(dir, ".wrangler", "state")
	st, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := st.Namespace("wine-answers-ns")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ns.Get("answers:color")
	if err != nil {
		t.Fatalf("seed did not write answers:color into namespace wine-answers-ns under %s: %v", root, err)
	}
	custom := strings.TrimSuffix(string(v), "]") + `,{"id":"blue","label":"Blue","custom":true,"createdAt":"2026-01-01T00:00:00Z"}]`
	if _, err := ns.Put("answers:color", []byte(custom), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, _, _ = runArenaDev(t, dir, "seed")
	if got := colorValue(t, root); !strings.Contains(got, `"blue"`) || strings.Contains(out, "(written)") {
		t.Errorf("seed without --reset dropped the custom answer or wrote: %s\n%s", got, out)
	}
	out, _, code = runArenaDev(t, dir, "seed", "--reset")
	if got := colorValue(t, root); code != 0 || strings.Contains(got, `"blue"`) || !strings.Contains(out, "1 removed") {
		t.Errorf("seed --reset kept the custom answer: %s\n%s", got, out)
	}

	from := filepath.Join(dir, "mine.json")
	os.WriteFile(from, []byte(`{"color": ["Red", "Ruby"]}`), 0o644)
	if out, errOut, code = runArenaDev(t, dir, "seed", "--from", from); code != 0 || !strings.Contains(colorValue(t, root), `"ruby"`) {
		t.Errorf("seed --from: exit %d %s %s", code, out, errOut)
	}
	os.WriteFile(from, []byte(`{"colour": ["Red"]}`), 0o644)
	if _, errOut, code = runArenaDev(t, dir, "seed", "--from", from); code != 1 || !strings.Contains(errOut, "mine.json") || !strings.Contains(errOut, "colour") {
		t.Errorf("seed --from a bad file: exit %d, stderr %q", code, errOut)
	}

	// wrangler 4 (Node 22) reads the same key through the binding.
	cmd := exec.Command(testenv.Node22Bin(t)+"/node", testenv.Wrangler(t), "kv", "key", "get", "answers:color", "--binding", "ANSWERS", "--local")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false", "NO_UPDATE_NOTIFIER=1", "CI=true",
		"PATH="+testenv.Node22Bin(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("wrangler kv key get: %v\n%s", err, got)
	}
	if !strings.Contains(string(got), `"id":"ruby"`) {
		t.Errorf("wrangler read %q; want the list arena-dev seed wrote", got)
	}
}

func colorValue(t *testing.T, root string) string {
	t.Helper()
	st, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.Namespace("wine-answers-ns")
	if err != nil {
		t.Fatal(err)
	}
	v, err := ns.Get("answers:color")
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}
