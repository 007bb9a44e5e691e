package wrangler

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, text string) string {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const tomlConfig = `name = "wine-answers-worker"
main = "src/index.ts"

[[kv_namespaces]]
binding = "ANSWERS"
id = "prod-id"
preview_id = "preview-id"

[[kv_namespaces]]
binding = "ONLY_ID"
id = "only-id"

[[kv_namespaces]]
binding = "ONLY_PREVIEW"
preview_id = "only-preview"

[[kv_namespaces]]
binding = "NEITHER"
`

func TestResolveKVNamespaceID(t *testing.T) {
	cfg, err := LoadConfig(write(t, filepath.Join(t.TempDir(), "wrangler.toml"), tomlConfig))
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	for _, tc := range []struct {
		name    string
		sel     Selection
		cfg     *Config
		want    string
		errLike string
		usage   bool
	}{
		{"namespace id wins without config", Selection{NamespaceID: "x"}, nil, "x", "", false},
		{"nothing given", Selection{}, cfg, "", "specify --namespace-id or --binding", true},
		{"both given", Selection{NamespaceID: "x", Binding: "ANSWERS"}, cfg, "", "cannot be used together", true},
		{"binding without config", Selection{Binding: "ANSWERS"}, nil, "", "without a wrangler config file", true},
		{"no kv_namespaces", Selection{Binding: "ANSWERS"}, &Config{Path: "/w.toml"}, "", "no KV namespaces are configured in /w.toml", true},
		{"unknown binding", Selection{Binding: "NOPE"}, cfg, "", `no KV namespace with binding "NOPE"`, true},
		{"both ids, no --preview", Selection{Binding: "ANSWERS"}, cfg, "", "pass --preview", true},
		{"both ids, --preview", Selection{Binding: "ANSWERS", Preview: &yes}, cfg, "preview-id", "", false},
		{"both ids, --preview false", Selection{Binding: "ANSWERS", Preview: &no}, cfg, "prod-id", "", false},
		{"only id", Selection{Binding: "ONLY_ID"}, cfg, "only-id", "", false},
		{"only id, --preview", Selection{Binding: "ONLY_ID", Preview: &yes}, cfg, "", "no preview namespace id", true},
		{"only preview", Selection{Binding: "ONLY_PREVIEW"}, cfg, "only-preview", "", false},
		{"only preview, --preview false", Selection{Binding: "ONLY_PREVIEW", Preview: &no}, cfg, "", "no namespace id is configured", true},
		{"neither", Selection{Binding: "NEITHER"}, cfg, "", "neither", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveKVNamespaceID(tc.sel, tc.cfg)
			if tc.errLike == "" {
				if err != nil || got != tc.want {
					t.Fatalf("got %q %v, want %q", got, err, tc.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errLike) {
				t.Fatalf("got %q %v, want an error like %q", got, err, tc.errLike)
			}
			var ue *UsageError
			if errors.As(err, &ue) != tc.usage {
				t.Fatalf("usage error = %v, want %v", !tc.usage, tc.usage)
			}
		})
	}
}

func TestDevNamespaceID(t *testing.T) {
	cfg, _ := LoadConfig(write(t, filepath.Join(t.TempDir(), "wrangler.toml"), tomlConfig))
	for binding, want := range map[string]string{"ANSWERS": "preview-id", "ONLY_ID": "only-id", "ONLY_PREVIEW": "only-preview", "NEITHER": "NEITHER", "ABSENT": "ABSENT"} {
		if got := DevNamespaceID(cfg, binding); got != want {
			t.Errorf("DevNamespaceID(%s) = %q, want %q", binding, got, want)
		}
	}
	if got := DevNamespaceID(nil, "ANSWERS"); got != "ANSWERS" {
		t.Errorf("no config: %q", got)
	}
}

func TestFindConfigOrder(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	os.MkdirAll(deep, 0o755)
	if got, err := FindConfig(deep); err != nil || got != "" {
		t.Fatalf("no config: %q %v", got, err)
	}
	toml := write(t, filepath.Join(root, "a", "wrangler.toml"), "")
	if got, _ := FindConfig(deep); got != toml {
		t.Fatalf("got %q, want %q", got, toml)
	}
	// A wrangler.json further up still wins over the nearer wrangler.toml.
	json := write(t, filepath.Join(root, "wrangler.json"), "{}")
	if got, _ := FindConfig(deep); got != json {
		t.Fatalf("got %q, want %q (json first, as wrangler)", got, json)
	}
	os.Mkdir(filepath.Join(deep, "wrangler.jsonc"), 0o755) // a directory is not a config
	if got, _ := FindConfig(deep); got != json {
		t.Fatalf("got %q", got)
	}
}

func TestLoadConfigFormats(t *testing.T) {
	dir := t.TempDir()
	jsonc := write(t, filepath.Join(dir, "wrangler.jsonc"), `{
  // the answers store
  "name": "w", /* inline */ "url": "http://x//y",
  "kv_namespaces": [
    { "binding": "ANSWERS", "id": "a\"b", "preview_id": "p", }, // trailing comma
  ],
}`)
	cfg, err := LoadConfig(jsonc)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.KVNamespaces) != 1 || cfg.KVNamespaces[0].ID != `a"b` || cfg.KVNamespaces[0].PreviewID != "p" || cfg.Path != jsonc {
		t.Fatalf("jsonc: %+v", cfg)
	}
	bad := write(t, filepath.Join(dir, "bad", "wrangler.toml"), "name = \"x\"\n[[kv_namespaces]\n")
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), bad+":2") {
		t.Fatalf("bad toml: %v, want file:line", err)
	}
	nobind := write(t, filepath.Join(dir, "nb", "wrangler.toml"), "[[kv_namespaces]]\nid = \"x\"\n")
	if _, err := LoadConfig(nobind); err == nil || !strings.Contains(err.Error(), `no "binding"`) {
		t.Fatalf("missing binding: %v", err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "absent.toml")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestPersistRoot(t *testing.T) {
	cfg := &Config{Path: "/proj/worker/wrangler.toml"}
	for _, tc := range []struct {
		persistTo string
		cfg       *Config
		want      string
	}{
		{"", cfg, "/proj/worker/.wrangler/state"},
		{"", nil, "/cwd/.wrangler/state"},
		{"state", cfg, "/cwd/state"},
		{"/abs/state/", cfg, "/abs/state"},
	} {
		if got := PersistRoot(tc.persistTo, tc.cfg, "/cwd"); got != tc.want {
			t.Errorf("PersistRoot(%q) = %q, want %q", tc.persistTo, got, tc.want)
		}
	}
}
