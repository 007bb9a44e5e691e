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

func resolveToml(t *testing.T, toml string, o Options) *Project {
	t.Helper()
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), toml)
	o.Dir = dir
	p, err := Resolve(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServicesExpandAndInject(t *testing.T) {
	p := resolveToml(t, `
[answers]
port = 18787
[services.partykit]
command = ["node_modules/.bin/partykit", "dev", "--port", "${PORT}"]
port = 11999
restart = { policy = "always", max_restarts = 2, backoff = "1s" }
[services.web]
shell = "echo ${ANSWERS_URL} ${PARTYKIT_PORT}"
dir = "site"
port = 14321
depends_on = ["answers", "partykit"]
env = { API = "${ANSWERS_URL}/answers" }
ready = { log = 'ready in \d+' }
`, Options{Ports: []string{"web=15000"}})
	if got := p.ServiceNames(); !slices.Equal(got, []string{"answers", "partykit", "web"}) {
		t.Fatalf("services %v", got)
	}
	api, pk, web := p.Services[0], p.Services[1], p.Services[2]
	if !api.InProcess || api.Port != 18787 || api.URL != "http://127.0.0.1:18787" {
		t.Errorf("answers %+v", api)
	}
	if got := strings.Join(pk.Command, " "); got != "node_modules/.bin/partykit dev --port 11999" {
		t.Errorf("partykit command %q", got)
	}
	if pk.Restart != RestartAlways || pk.MaxRestarts != 2 || pk.Backoff.String() != "1s" {
		t.Errorf("partykit restart %v %d %v", pk.Restart, pk.MaxRestarts, pk.Backoff)
	}
	if pk.Dir != p.Root || pk.URL != "http://127.0.0.1:11999" {
		t.Errorf("partykit dir %q url %q", pk.Dir, pk.URL)
	}
	if !web.Shell || web.Command[0] != "echo http://127.0.0.1:18787 11999" {
		t.Errorf("web shell %v %q", web.Shell, web.Command)
	}
	if web.Dir != filepath.Join(p.Root, "site") || web.Port != 15000 || web.Probe.Kind != ProbeLog {
		t.Errorf("web %+v", web)
	}
	if web.Restart != RestartOnFailure || web.MaxRestarts != 5 {
		t.Errorf("web restart defaults %v %d", web.Restart, web.MaxRestarts)
	}
	for _, want := range []string{"PUBLIC_ANSWERS_URL=http://127.0.0.1:18787", "PUBLIC_PARTYKIT_HOST=127.0.0.1:11999",
		"ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true", "NO_UPDATE_NOTIFIER=1", "PORT=15000",
		"API=http://127.0.0.1:18787/answers"} {
		if !slices.Contains(web.Env, want) {
			t.Errorf("env lacks %s:\n%s", want, strings.Join(web.Env, "\n"))
		}
	}
}

func TestProbeAndRestartFallbacks(t *testing.T) {
	p := resolveToml(t, `
[services.a]
command = ["x"]
port = 3000
restart = { max_restarts = 0 }
[services.b]
command = ["y"]
`, Options{})
	a, _ := p.Service("a")
	b, _ := p.Service("b")
	if a.Probe.Kind != ProbeTCP || a.Probe.Address != "127.0.0.1:3000" {
		t.Errorf("a service with a port and no probe: %+v, want TCP on its port", a.Probe)
	}
	if a.Restart != RestartNo {
		t.Errorf("max_restarts = 0 must mean no restart, got %v", a.Restart)
	}
	if b.Probe.Kind != ProbeNone || b.Restart != RestartOnFailure || b.Probe.Timeout != DefaultProbeTimeout {
		t.Errorf("b: probe %+v restart %v", b.Probe, b.Restart)
	}
}

// TestDerivedValuesFollowOverrides: one --port moves every value derived from it.
func TestDerivedValuesFollowOverrides(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "package.json"), "{}")
	testenv.WriteFile(t, filepath.Join(dir, "partykit.json"), "{}")
	p, err := Resolve(Options{Dir: dir, Ports: []string{"astro=19321", "partykit=11999", "answers=18787"}})
	if err != nil {
		t.Fatal(err)
	}
	astro, _ := p.Service("astro")
	for _, want := range []string{"PUBLIC_ANSWERS_URL=http://127.0.0.1:18787", "PUBLIC_PARTYKIT_HOST=127.0.0.1:11999", "PORT=19321"} {
		if !slices.Contains(astro.Env, want) {
			t.Errorf("astro env lacks %s: %v", want, astro.Env)
		}
	}
	if !slices.Contains(astro.Command, "19321") || astro.Probe.URL != "http://127.0.0.1:19321/" {
		t.Errorf("astro command %v probe %q", astro.Command, astro.Probe.URL)
	}
	if want := []string{"http://localhost:19321", "http://127.0.0.1:19321"}; !slices.Equal(p.Answers.CORSOrigins, want) {
		t.Errorf("CORS origins %v, want %v", p.Answers.CORSOrigins, want)
	}
	if !p.Found || p.RunDir != filepath.Join(dir, ".wrangler", "arena-dev") {
		t.Errorf("found %v run dir %s", p.Found, p.RunDir)
	}
}

func TestCORSOriginSources(t *testing.T) {
	worker := "[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"ns\"\n[vars]\nCORS_ORIGINS = \"http://vars.example:1,http://vars.example:2\"\n"
	astro := []string{"http://localhost:4321", "http://127.0.0.1:4321"}
	cases := []struct {
		name, arenaToml, devVars string
		flags                    []string
		want                     []string
		from                     string
	}{
		{name: "[vars]", want: append([]string{"http://vars.example:1", "http://vars.example:2"}, astro...), from: "[vars]"},
		{name: ".dev.vars wins over [vars]", devVars: "CORS_ORIGINS=\"http://dev.example:9\"\n",
			want: append([]string{"http://dev.example:9"}, astro...), from: ".dev.vars:1"},
		{name: "arena-dev.toml wins over the Worker", devVars: "CORS_ORIGINS=http://dev.example:9\n",
			arenaToml: "[answers]\ncors_origins = [\"http://toml.example:${ASTRO_PORT}\"]\n",
			want:      append([]string{"http://toml.example:4321"}, astro...), from: "cors_origins"},
		{name: "the flag wins over all", arenaToml: "[answers]\ncors_origins = [\"http://toml.example\"]\n",
			flags: []string{"http://flag.example,http://flag2.example"},
			want:  append([]string{"http://flag.example", "http://flag2.example"}, astro...), from: "--cors-origin"},
		{name: "star stays alone", flags: []string{"*"}, want: []string{"*"}, from: "--cors-origin"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			testenv.WriteFile(t, filepath.Join(dir, "package.json"), "{}")
			testenv.WriteFile(t, filepath.Join(dir, "wine-answers-worker", "wrangler.toml"), worker)
			if c.devVars != "" {
				testenv.WriteFile(t, filepath.Join(dir, "wine-answers-worker", ".dev.vars"), c.devVars)
			}
			if c.arenaToml != "" {
				testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), c.arenaToml+"[services.astro]\ncommand = [\"x\"]\nport = 4321\n")
			}
			p, err := Resolve(Options{Dir: dir, CORSOrigins: c.flags})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Answers.CORSOrigins, c.want) || !strings.Contains(p.Answers.CORSFrom, c.from) {
				t.Errorf("origins %v from %q, want %v from %q", p.Answers.CORSOrigins, p.Answers.CORSFrom, c.want, c.from)
			}
		})
	}
}

func TestBadDevVarsNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "package.json"), "{}")
	testenv.WriteFile(t, filepath.Join(dir, "wine-answers-worker", "wrangler.toml"), "name = \"w\"\n")
	testenv.WriteFile(t, filepath.Join(dir, "wine-answers-worker", ".dev.vars"), "A=1\nnot a line\n")
	_, err := Resolve(Options{Dir: dir})
	if want := filepath.Join(dir, "wine-answers-worker", ".dev.vars") + ":2:"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err %v, want one naming %s", err, want)
	}
}

func TestFindRoot(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	check := func(what, wantRoot string, wantFile bool) {
		t.Helper()
		got, hasFile, err := FindRoot(sub)
		if err != nil || got != wantRoot || hasFile != wantFile {
			t.Fatalf("%s: FindRoot = %s %v %v, want %s %v", what, got, hasFile, err, wantRoot, wantFile)
		}
	}
	check("nothing", sub, false)
	testenv.WriteFile(t, filepath.Join(root, "a", "package.json"), "{}")
	testenv.WriteFile(t, filepath.Join(root, "a", "partykit.json"), "{}")
	check("default layout", filepath.Join(root, "a"), false)
	testenv.WriteFile(t, filepath.Join(root, "arena-dev.toml"), "")
	check("arena-dev.toml wins over a nearer layout", root, true)
}

func TestResolveErrorsAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Dir: dir, Ports: []string{"db=1"}}, `unknown service "db" (have answers, astro, partykit)`},
		{Options{Dir: dir, Ports: []string{"astro"}}, "want SERVICE=PORT"},
		{Options{Dir: dir, Ports: []string{"astro=1999"}}, "port 1999 is also"},
		{Options{Dir: dir, Ephemeral: true, PersistTo: "x"}, "exclude each other"},
	} {
		_, err := Resolve(c.o)
		var ue *UsageError
		if err == nil || !strings.Contains(err.Error(), c.want) || !asUsage(err, &ue) {
			t.Errorf("%+v: err %v, want a UsageError with %q", c.o, err, c.want)
		}
	}
}

func asUsage(err error, target **UsageError) bool { return errors.As(err, target) }
