package project

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// workerProject is a project with a Worker in w/ and wrangler installed at the
// root, as the example is laid out.
func workerProject(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), toml)
	testenv.WriteFile(t, filepath.Join(dir, "w", "wrangler.toml"), "name = \"w\"\nmain = \"src/index.ts\"\n[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"ns1\"\n[vars]\nCORS_ORIGINS = \"http://a.test\"\n")
	testenv.WriteFile(t, filepath.Join(dir, "node_modules", ".bin", "wrangler"), "#!/usr/bin/env node\n")
	return dir
}

const workerToml = "[answers]\nport = 18787\nwrangler_config = \"w/wrangler.toml\"\nbinding = \"ANSWERS\"\n"

func TestWorkerModeIsASupervisedWranglerDev(t *testing.T) {
	dir := workerProject(t, workerToml+"mode = \"worker\"\n[services.astro]\ncommand = [\"x\"]\nport = 14321\ndepends_on = [\"answers\"]\n")
	p, err := Resolve(Options{Dir: dir, PersistTo: "st"})
	if err != nil {
		t.Fatal(err)
	}
	api := p.Services[0]
	if p.Answers.Mode != ModeWorker || api.InProcess || api.Name != AnswersService {
		t.Fatalf("mode %q, answers %+v", p.Answers.Mode, api)
	}
	want := []string{filepath.FromSlash("../node_modules/.bin/wrangler"), "dev", "--config", "wrangler.toml", "--ip", "127.0.0.1", "--port", "18787",
		"--persist-to", filepath.Join(dir, "st"), "--var", "CORS_ORIGINS:http://a.test,http://localhost:14321,http://127.0.0.1:14321",
		"--show-interactive-dev-session=false", "--live-reload=false"}
	if !slices.Equal(api.Command, want) {
		t.Errorf("command\n %q\nwant\n %q", api.Command, want)
	}
	if api.Dir != filepath.Join(dir, "w") || api.Port != 18787 || api.Probe.Kind != ProbeHTTP || api.Probe.URL != "http://127.0.0.1:18787/healthz" {
		t.Errorf("dir %s port %d probe %+v", api.Dir, api.Port, api.Probe)
	}
	path := envOf(api.Env, "PATH")
	if !strings.HasPrefix(path, filepath.Join(dir, "node_modules", NodeBinDir)+string(os.PathListSeparator)) {
		t.Errorf("PATH %q does not start with the project's Node bin dir", path)
	}
	for _, kv := range []string{"CLOUDFLARE_CF_FETCH_ENABLED=false", "WRANGLER_SEND_METRICS=false", "PORT=18787"} {
		if !slices.Contains(api.Env, kv) {
			t.Errorf("env lacks %s: %q", kv, api.Env)
		}
	}
	// The state and namespace are the ones kv and seed use, in either mode.
	if p.Answers.NamespaceID != "ns1" || p.Answers.PersistRoot != filepath.Join(dir, "st") {
		t.Errorf("answers %+v", p.Answers)
	}
}

func TestAnswersModeFlagWinsAndDefaultsToGo(t *testing.T) {
	dir := workerProject(t, workerToml+"mode = \"worker\"\n")
	p, err := Resolve(Options{Dir: dir, AnswersMode: "go"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Answers.Mode != ModeGo || !p.Services[0].InProcess {
		t.Errorf("--answers go: mode %q, in process %v", p.Answers.Mode, p.Services[0].InProcess)
	}
	dir = workerProject(t, workerToml)
	if p, err = Resolve(Options{Dir: dir}); err != nil || p.Answers.Mode != ModeGo {
		t.Fatalf("default mode: %v %v", p, err)
	}
	if p, err = Resolve(Options{Dir: dir, AnswersMode: "worker"}); err != nil || p.Services[0].InProcess {
		t.Fatalf("--answers worker: %+v %v", p, err)
	}
	var ue *UsageError
	if _, err := Resolve(Options{Dir: dir, AnswersMode: "node"}); !errors.As(err, &ue) || !strings.Contains(err.Error(), "want go or worker") {
		t.Errorf("--answers node: %v", err)
	}
}

func TestWorkerModeNamespaceMustBeTheWorkers(t *testing.T) {
	dir := workerProject(t, workerToml+"namespace_id = \"other\"\n")
	var ue *UsageError
	_, err := Resolve(Options{Dir: dir, AnswersMode: "worker"})
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `namespace "ns1", not namespace_id "other"`) {
		t.Errorf("got %v", err)
	}
	if _, err := Resolve(Options{Dir: dir}); err != nil {
		t.Errorf("go mode serves any namespace: %v", err)
	}
}

// A Worker with its own node_modules uses its own wrangler; without any, the
// root's (missing) one is named, so the preflight's hint points at the project.
func TestWorkerWranglerIsTheNearest(t *testing.T) {
	dir := workerProject(t, workerToml)
	testenv.WriteFile(t, filepath.Join(dir, "w", "node_modules", ".bin", "wrangler"), "")
	p, err := Resolve(Options{Dir: dir, AnswersMode: "worker"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Services[0].Command[0]; got != filepath.FromSlash("node_modules/.bin/wrangler") {
		t.Errorf("command[0] %q, want the Worker's own", got)
	}
	if err := os.RemoveAll(filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "w", "node_modules")); err != nil {
		t.Fatal(err)
	}
	if p, err = Resolve(Options{Dir: dir, AnswersMode: "worker"}); err != nil {
		t.Fatal(err)
	}
	if got := p.Services[0].Command[0]; got != filepath.FromSlash("../node_modules/.bin/wrangler") {
		t.Errorf("command[0] %q, want the root's", got)
	}
}

func envOf(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
