package stack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// The preflight runs the node the Worker's PATH finds first and compares it with
// wrangler's engines.node: too old is exit 2 naming the version needed.
func TestWorkerPreflightNamesTheNodeNeeded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "arena-dev.toml"), "[answers]\nwrangler_config = \"w/wrangler.toml\"\nbinding = \"ANSWERS\"\nmode = \"worker\"\n", 0o644)
	writeFile(t, filepath.Join(dir, "w", "wrangler.toml"), "name = \"w\"\n", 0o644)
	nm := filepath.Join(dir, "node_modules")
	writeFile(t, filepath.Join(nm, "wrangler", "package.json"), `{"name": "wrangler", "version": "4.1.0", "engines": {"node": ">=22.12.0"}}`, 0o644)
	writeFile(t, filepath.Join(nm, "wrangler", "bin", "wrangler.js"), "", 0o755)
	if err := os.MkdirAll(filepath.Join(nm, ".bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../wrangler/bin/wrangler.js", filepath.Join(nm, ".bin", "wrangler")); err != nil {
		t.Fatal(err)
	}
	node := filepath.Join(nm, project.NodeBinDir, "node")
	for _, tc := range []struct{ version, want string }{
		{"v20.11.1", "wrangler 4.1.0 needs Node >=22.12.0; " + node + " is v20.11.1"},
		{"v22.11.9", "is v22.11.9"},
		{"v22.12.0", ""},
		{"v23.0.0", ""},
	} {
		writeFile(t, node, "#!/bin/sh\necho "+tc.version+"\n", 0o755)
		p, err := project.Resolve(project.Options{Dir: dir, Services: []string{"answers"}})
		if err != nil {
			t.Fatal(err)
		}
		err = Preflight(p)
		var ue *project.UsageError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("node %s: %v", tc.version, err)
		case tc.want != "" && (!errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("node %s: got %v, want a usage error containing %q", tc.version, err, tc.want)
		}
	}
}

// The example as shipped: its devDependencies bring wrangler and the Node it needs.
func TestWorkerPreflightPassesOnTheExample(t *testing.T) {
	ex := testenv.ExampleDir(t)
	testenv.RequireFile(t, filepath.Join(ex, "node_modules", ".bin", "wrangler"))
	p, err := project.Resolve(project.Options{Dir: ex, AnswersMode: project.ModeWorker})
	if err != nil {
		t.Fatal(err)
	}
	if err := Preflight(p); err != nil {
		t.Fatal(err)
	}
}
