package project

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	for _, tc := range []struct{ file, flag, want, err string }{
		{"", "", "off", ""},
		{"free", "", "free", ""},
		{"free", "production", "production", ""},
		{"production", "off", "off", ""},
		{"", "paid", "", `--kv-limits "paid"`},
	} {
		got, err := Limits(tc.file, tc.flag)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Limits(%q, %q) = %q, %v", tc.file, tc.flag, got, err)
		}
	}
}

func TestLimitsFromTheFile(t *testing.T) {
	p := resolveToml(t, "[answers]\nkv_limits = \"free\"\n", Options{})
	if p.Answers.KVLimits != "free" {
		t.Fatalf("from the file: %q", p.Answers.KVLimits)
	}
	p = resolveToml(t, "[answers]\nkv_limits = \"free\"\n", Options{KVLimits: "production"})
	if p.Answers.KVLimits != "production" {
		t.Fatalf("the flag wins: %q", p.Answers.KVLimits)
	}
	if _, err := Resolve(Options{Dir: workerProject(t, workerToml), AnswersMode: "worker", KVLimits: "production"}); err == nil || !strings.Contains(err.Error(), "Miniflare under wrangler dev enforces none") {
		t.Fatalf("limits with the Worker: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte("[answers]\nport = 8787\n\nkv_limits = \"paid\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(Options{Dir: dir})
	var ue *UsageError
	if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "answers.kv_limits") || !strings.Contains(err.Error(), ":4") {
		t.Fatalf("bad kv_limits: %v (want a usage error naming answers.kv_limits at line 4)", err)
	}
}
