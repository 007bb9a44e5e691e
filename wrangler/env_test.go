package wrangler

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

const envToml = `name = "w"
[[kv_namespaces]]
binding = "KV"
id = "top-id"

[env.staging]
kv_namespaces = [ { binding = "KV", id = "staging-id" } ]

[[env.prod.kv_namespaces]]
binding = "KV"
id = "prod-id"
preview_id = "prod-preview"

[env.bare]
name = "w-bare"
`

const envJSONC = `{
  "name": "w",
  "kv_namespaces": [{ "binding": "KV", "id": "top-id" }],
  "env": {
    "staging": { "kv_namespaces": [{ "binding": "KV", "id": "staging-id" }] },
    "prod": { "kv_namespaces": [{ "binding": "KV", "id": "prod-id", "preview_id": "prod-preview" }] },
    "bare": { "name": "w-bare" }, // no kv_namespaces: none, not the top level's
  },
}`

// --env selects [env.NAME]'s kv_namespaces, in TOML and JSON alike; an environment
// inherits none from the top level, as in wrangler; an unknown one is a usage error.
func TestResolveEnv(t *testing.T) {
	yes, no := true, false
	for _, file := range []struct{ name, text string }{{"wrangler.toml", envToml}, {"wrangler.jsonc", envJSONC}} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, file.name), file.text)
		for _, tc := range []struct {
			name    string
			t       Target
			want    string
			errLike string
		}{
			{"top level", Target{Selection: Selection{Binding: "KV"}}, "top-id", ""},
			{"--env \"\" is the top level", Target{Selection: Selection{Binding: "KV"}, Env: ""}, "top-id", ""},
			{"staging", Target{Selection: Selection{Binding: "KV"}, Env: "staging"}, "staging-id", ""},
			{"prod --preview", Target{Selection: Selection{Binding: "KV", Preview: &yes}, Env: "prod"}, "prod-preview", ""},
			{"prod --preview false", Target{Selection: Selection{Binding: "KV", Preview: &no}, Env: "prod"}, "prod-id", ""},
			{"prod, both ids", Target{Selection: Selection{Binding: "KV"}, Env: "prod"}, "", "[env.prod] of "},
			{"not inherited", Target{Selection: Selection{Binding: "KV"}, Env: "bare"}, "", "no KV namespaces are configured in [env.bare]"},
			{"unknown env", Target{Selection: Selection{Binding: "KV"}, Env: "nope"}, "", `no environment "nope"`},
			{"namespace id needs no env section", Target{Selection: Selection{NamespaceID: "x"}, Env: "staging"}, "x", ""},
			{"dev: env's preview_id", Target{Dev: true, DefaultBinding: "KV", Env: "prod"}, "prod-preview", ""},
			{"dev: env without the binding is its name", Target{Dev: true, DefaultBinding: "KV", Env: "bare"}, "KV", ""},
			{"dev: explicit binding the env lacks", Target{Dev: true, Selection: Selection{Binding: "KV"}, Env: "bare"}, "", `binding "KV" in the "kv_namespaces" of [env.bare]`},
		} {
			t.Run(file.name+"/"+tc.name, func(t *testing.T) {
				tc.t.Dir = dir
				ns, err := Resolve(tc.t)
				if tc.errLike == "" {
					if err != nil || ns.ID != tc.want {
						t.Fatalf("got %q %v, want %q", ns.ID, err, tc.want)
					}
					if ns.PersistRoot != filepath.Join(dir, ".wrangler", "state") {
						t.Fatalf("persist root %q: an environment keeps the config's state", ns.PersistRoot)
					}
					return
				}
				var ue *UsageError
				if err == nil || !strings.Contains(err.Error(), tc.errLike) || !errors.As(err, &ue) {
					t.Fatalf("got %q %v, want a usage error like %q", ns.ID, err, tc.errLike)
				}
			})
		}
	}
}

func TestResolveEnvWithoutConfig(t *testing.T) {
	_, err := Resolve(Target{Dir: t.TempDir(), Selection: Selection{Binding: "KV"}, Env: "staging"})
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--env staging: no wrangler config") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadConfigEnvNeedsBindings(t *testing.T) {
	p := write(t, filepath.Join(t.TempDir(), "wrangler.toml"), "[[env.x.kv_namespaces]]\nid = \"i\"\n")
	_, err := LoadConfig(p)
	var ue *UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `env.x.kv_namespaces[0] has no "binding"`) {
		t.Fatalf("got %v", err)
	}
}
