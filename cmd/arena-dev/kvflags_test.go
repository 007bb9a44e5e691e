package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// resolvedID runs a throwaway command with the namespace flags in dir and returns
// the namespace id and persist root openNamespaceDefault (or openNamespace, when
// def is "") chose.
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
				s, ns, oerr := openNamespaceWith(c, def)
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
