package stack

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/project"
)

// The model a background child is handed reads back as the very model that
// was written (regexps, durations, env, the empty and the absent fail
// patterns), from a file only its owner can read, which is gone once read.
func TestModelFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	toml := `[answers]
port = 18787
namespace_id = "ns"
kv_consistency = "edge"
kv_propagation_delay = "250ms"
[services.logged]
command = ["node", "-e", "console.log('up')"]
env = { SECRET = "from the file" }
ready = { log = "^up$", timeout = "7s" }
[services.web]
command = ["node", "web.js"]
port = 18788
depends_on = ["logged"]
disabled = true
`
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := project.Resolve(project.Options{Dir: dir, Name: "m1", Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	path, err := WriteModelFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || filepath.Dir(path) != p.RunDir {
		t.Fatalf("model file %s: %v, %v; want mode 0600 in %s", path, fi.Mode(), err, p.RunDir)
	}
	got, err := ReadModelFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := p.JSON()
	again, _ := got.JSON()
	if !bytes.Equal(want, again) {
		t.Fatalf("the model changed on the way:\n%s\n%s", want, again)
	}
	if diff, err := project.Diff(want, again); err != nil || len(diff) != 0 {
		t.Fatalf("Diff of the round trip: %v %v", diff, err)
	}
	if s, _ := got.Service("logged"); s.Probe.Pattern == nil || !s.Probe.Pattern.MatchString("up") || s.FailPatterns != nil {
		t.Fatalf("logged service read back as %+v", s)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the model file is still there after reading: %v", err)
	}
	if _, err := ReadModelFile(filepath.Join(dir, "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing model file: %v", err)
	}
}
