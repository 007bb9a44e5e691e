package stack

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

func TestOpenAnswersResolvesLikeWranglerDev(t *testing.T) {
	cases := []struct {
		name, wranglerToml, arenaToml, persistFlag string
		wantID, wantRoot                           string // wantRoot relative to the project
	}{
		{
			name:         "binding id, state beside the worker's wrangler.toml",
			wranglerToml: "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"wine-answers-ns\"\n",
			wantID:       "wine-answers-ns", wantRoot: "wine-answers-worker/.wrangler/state",
		},
		{
			name:         "preview_id wins, as in wrangler dev",
			wranglerToml: "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"prod\"\npreview_id = \"preview\"\n",
			wantID:       "preview", wantRoot: "wine-answers-worker/.wrangler/state",
		},
		{
			name:         "binding missing from the config: the binding name",
			wranglerToml: "name = \"w\"\n",
			wantID:       "ANSWERS", wantRoot: "wine-answers-worker/.wrangler/state",
		},
		{
			name:         "namespace_id and persist_to in arena-dev.toml",
			wranglerToml: "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"x\"\n",
			arenaToml:    "[answers]\nnamespace_id = \"mine\"\npersist_to = \"state\"\n",
			wantID:       "mine", wantRoot: "state",
		},
		{
			name:         "--persist-to wins",
			wranglerToml: "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"x\"\n",
			arenaToml:    "[answers]\npersist_to = \"state\"\n",
			persistFlag:  "flag-state",
			wantID:       "x", wantRoot: "flag-state",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			testenv.WriteFile(t, filepath.Join(dir, "wine-answers-worker", "wrangler.toml"), c.wranglerToml)
			if c.arenaToml != "" {
				testenv.WriteFile(t, filepath.Join(dir, config.FileName), c.arenaToml)
			}
			p, err := project.Resolve(project.Options{Dir: dir, PersistTo: c.persistFlag})
			if err != nil {
				t.Fatal(err)
			}
			a, err := OpenAnswers(p.Answers)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.ID() != c.wantID {
				t.Errorf("namespace %q, want %q", a.ID(), c.wantID)
			}
			if want := filepath.Join(dir, c.wantRoot); a.Root != want {
				t.Errorf("root %q, want %q", a.Root, want)
			}
			// The database sits where Miniflare would put it for that root and id.
			if _, err := a.Put("k", []byte("v"), emulator.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(emulator.DatabasePath(a.Root, c.wantID)); err != nil {
				t.Errorf("database not at Miniflare's path: %v", err)
			}
		})
	}
}

func TestMissingWranglerConfigIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, config.FileName)
	testenv.WriteFile(t, path, "[answers]\nwrangler_config = \"nope/wrangler.toml\"\n")
	if _, err := project.Resolve(project.Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "nope/wrangler.toml") {
		t.Fatalf("a wrangler_config that does not exist must be an error naming it, got %v", err)
	}
}
