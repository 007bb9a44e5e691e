package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// resolvedID runs a throwaway command with the namespace flags in dir and returns
// the namespace id and persist root openNamespace chose, as serve and seed resolve
// (def "ANSWERS") or as kv does (def "").
func resolvedID(t *testing.T, dir, def string, args ...string) (id, root string, err error) {
	t.Helper()
	t.Chdir(dir)
	app := &cli.App{
		Name:           "t",
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{
			Name:  "open",
			Flags: namespaceFlags(),
			Action: func(c *cli.Context) error {
				s, ns, _, oerr := openNamespace(c, def != "")
				if oerr != nil {
					err = oerr
					return nil
				}
				defer s.Close()
				id, root = ns.ID(), s.Root()
				return nil
			},
		}},
	}
	if rerr := app.Run(append([]string{"t", "open"}, args...)); rerr != nil && err == nil {
		err = rerr
	}
	return id, root, err
}

func TestOpenNamespaceDefault(t *testing.T) {
	dir := kvProject(t) // ANSWERS: id + preview_id; OTHER: id only
	bare := t.TempDir()
	for _, tc := range []struct {
		name, dir, def string
		args           []string
		want, errLike  string
	}{
		{"serve default: preview_id like wrangler dev", dir, "ANSWERS", nil, "answers-preview", ""},
		{"serve --binding with only an id", dir, "ANSWERS", []string{"--binding", "OTHER"}, "other-ns", ""},
		{"serve --preview=false", dir, "ANSWERS", []string{"--preview=false"}, "answers-prod", ""},
		{"serve --namespace-id", dir, "ANSWERS", []string{"--namespace-id", "x"}, "x", ""},
		{"serve without config: the binding name", bare, "ANSWERS", nil, "ANSWERS", ""},
		{"serve unknown explicit binding", dir, "ANSWERS", []string{"--binding", "NEW"}, "", `binding "NEW"`},
		{"serve explicit binding without config: its name", bare, "ANSWERS", []string{"--binding", "NEW"}, "NEW", ""},
		{"serve both flags", dir, "ANSWERS", []string{"--binding", "OTHER", "--namespace-id", "x"}, "", "cannot be used together"},
		{"kv without flags", dir, "", nil, "", "specify --namespace-id or --binding"},
		{"kv binding with both ids", dir, "", []string{"--binding", "ANSWERS"}, "", "--preview"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, root, err := resolvedID(t, tc.dir, tc.def, tc.args...)
			if tc.errLike != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errLike) {
					t.Fatalf("got %q, %v; want an error like %q", id, err, tc.errLike)
				}
				return
			}
			if err != nil || id != tc.want {
				t.Fatalf("got %q, %v; want %q", id, err, tc.want)
			}
			want, _ := filepath.EvalSymlinks(filepath.Join(tc.dir, ".wrangler", "state"))
			if got, _ := filepath.EvalSymlinks(root); got != want {
				t.Fatalf("persist root %q, want %q", root, want)
			}
		})
	}
	// --config elsewhere: the state goes beside that config, not in the cwd.
	other := t.TempDir()
	id, root, err := resolvedID(t, other, "", "--binding", "OTHER", "--config", filepath.Join(dir, "wrangler.toml"))
	if err != nil || id != "other-ns" || root != filepath.Join(dir, ".wrangler", "state") {
		t.Fatalf("--config: %q %q %v", id, root, err)
	}
	if _, err := os.Stat(filepath.Join(other, ".wrangler")); err == nil {
		t.Fatal("state created in the cwd instead of beside --config")
	}
}

// TestKVAtTheProjectRootReadsWhatUpServes: in a project (here the example's
// layout, with the Worker in wine-answers-worker/), kv's defaults are the answers
// namespace and state of the model, from the root and from a subdirectory; a
// Worker config that applies where kv runs still wins, as in wrangler.
func TestKVAtTheProjectRootReadsWhatUpServes(t *testing.T) {
	root := t.TempDir()
	for path, body := range map[string]string{
		"package.json":  "{}",
		"partykit.json": "{}",
		"wine-answers-worker/wrangler.toml": "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"wine-answers-ns\"\n" +
			"[[env.staging.kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"staging-ns\"\n",
		"src/pages/x.astro":          "",
		"other-worker/wrangler.toml": "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"other\"\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, path), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	projectState := filepath.Join(root, "wine-answers-worker", ".wrangler", "state")
	for _, tc := range []struct {
		name, dir        string
		args             []string
		wantID, wantRoot string
	}{
		{"root, no flags", root, nil, "wine-answers-ns", projectState},
		{"subdirectory, no flags", filepath.Join(root, "src", "pages"), nil, "wine-answers-ns", projectState},
		{"root, --namespace-id", root, []string{"--namespace-id", "wine-answers-ns"}, "wine-answers-ns", projectState},
		{"root, --binding", root, []string{"--binding", "ANSWERS"}, "wine-answers-ns", projectState},
		{"root, --persist-to", root, []string{"--persist-to", "elsewhere"}, "wine-answers-ns", filepath.Join(root, "elsewhere")},
		{"another Worker's folder", filepath.Join(root, "other-worker"), []string{"--binding", "ANSWERS"}, "other", filepath.Join(root, "other-worker", ".wrangler", "state")},
		// --env: the project's Worker config's [env.staging], its state unchanged.
		{"root, --env --binding", root, []string{"--env", "staging", "--binding", "ANSWERS"}, "staging-ns", projectState},
		{"subdirectory, -e --binding", filepath.Join(root, "src"), []string{"-e", "staging", "--binding", "ANSWERS"}, "staging-ns", projectState},
		{"serve, --env alone", root, []string{"--env", "staging"}, "staging-ns", projectState},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := ""
			if strings.HasPrefix(tc.name, "serve") {
				def = "ANSWERS"
			}
			id, got, err := resolvedID(t, tc.dir, def, tc.args...)
			if err != nil || id != tc.wantID || got != tc.wantRoot {
				t.Fatalf("got %q in %q (%v); want %q in %q", id, got, err, tc.wantID, tc.wantRoot)
			}
		})
	}
}
