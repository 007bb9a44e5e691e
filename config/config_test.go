package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/orchestrate"
)

func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, toml, want string
	}{
		{"unknown key", "[answers]\nport = 8787\nprot = 1\n", "arena-dev.toml:3:1: unknown key \"answers.prot\""},
		{"unknown service key", "[services.web]\ncommand = [\"x\"]\ncomand = [\"y\"]\n", "arena-dev.toml:3:1: unknown key \"services.web.comand\""},
		{"bad policy", "[services.web]\ncommand = [\"x\"]\nrestart = { policy = \"sometimes\" }\n", "arena-dev.toml:3: services.web.restart.policy: \"sometimes\": want \"no\", \"on-failure\" or \"always\""},
		{"bad duration", "[services.web]\ncommand = [\"x\"]\nstop_timeout = \"3 seconds\"\n", "arena-dev.toml:3:16: services.web.stop_timeout: \"3 seconds\" is not a duration"},
		{"wrong type", "[answers]\nport = \"8787\"\n", "arena-dev.toml:2:8: answers.port: cannot decode TOML string"},
		{"bad regexp", "[services.web]\ncommand = [\"x\"]\nready = { log = \"(\" }\n", "arena-dev.toml:3:17: services.web.ready: bad regexp"},
		{"unknown dependency", "[services.web]\ncommand = [\"x\"]\n\ndepends_on = [\"db\"]\n", "arena-dev.toml:4: services.web.depends_on: depends_on[0]: unknown service \"db\" (have answers, web)"},
		{"self dependency", "[services.web]\ncommand = [\"x\"]\ndepends_on = [\"web\"]\n", "arena-dev.toml:3: services.web.depends_on: a service cannot depend on itself"},
		{"cycle", "[services.a]\ncommand = [\"x\"]\ndepends_on = [\"b\"]\n[services.b]\ncommand = [\"x\"]\ndepends_on = [\"a\"]\n", "dependency cycle: a -> b -> a"},
		{"port twice", "[answers]\nport = 9000\n[services.web]\ncommand = [\"x\"]\nport = 9000\n", "arena-dev.toml:5: services.web.port: port 9000 is also answers's"},
		{"port range", "[services.web]\ncommand = [\"x\"]\nport = 70000\n", "arena-dev.toml:3: services.web.port: 70000 is not a TCP port"},
		{"command and shell", "[services.web]\ncommand = [\"x\"]\nshell = \"npm start\"\n", "arena-dev.toml:1: services.web: set command (an argv) or shell"},
		{"no command", "[services.web]\nport = 3000\n", "arena-dev.toml:1: services.web: missing command"},
		{"two probes", "[services.web]\ncommand = [\"x\"]\nready = { http = \"http://127.0.0.1/\", tcp = \"127.0.0.1:1\" }\n", "services.web.ready: set one of http, tcp or log"},
		{"unknown variable", "[services.web]\ncommand = [\"x\", \"${PROT}\"]\n", "arena-dev.toml:2: services.web.command: unknown variable ${PROT}"},
		{"reserved name", "[services.answers]\ncommand = [\"x\"]\n", "\"answers\" is the built-in answers API"},
		{"bad name", "[services.Web]\ncommand = [\"x\"]\n", "services.Web: service names are lower case"},
		{"negative restarts", "[services.web]\ncommand = [\"x\"]\nrestart = { max_restarts = -1 }\n", "services.web.restart.max_restarts: must not be negative"},
		{"not toml", "[answers\n", "arena-dev.toml:1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(t.TempDir(), "arena-dev.toml", []byte(c.toml))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q\n does not contain %q", err, c.want)
			}
		})
	}
}

func TestTemplateEqualsDefaults(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "wine-answers-worker"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "wine-answers-worker", "wrangler.toml"), []byte("name = \"w\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fromTemplate, err := Parse(dir, "arena-dev.toml", Template)
	if err != nil {
		t.Fatal(err)
	}
	defaults, err := Load(dir, filepath.Join(dir, FileName), false)
	if err != nil {
		t.Fatal(err)
	}
	if defaults.Path != "" {
		t.Fatalf("defaults claim to come from %q", defaults.Path)
	}
	a, err := fromTemplate.Specs()
	if err != nil {
		t.Fatal(err)
	}
	b, err := defaults.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("template and defaults differ:\n%+v\n%+v", a, b)
	}
	if !reflect.DeepEqual(fromTemplate.File.Answers, defaults.File.Answers) {
		t.Fatalf("answers differ:\n%+v\n%+v", fromTemplate.File.Answers, defaults.File.Answers)
	}
}

func TestSpecsExpandAndInject(t *testing.T) {
	dir := t.TempDir()
	p, err := Parse(dir, "arena-dev.toml", []byte(`
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
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetPort("web", 15000); err != nil {
		t.Fatal(err)
	}
	specs, err := p.Specs()
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Name != "partykit" || specs[1].Name != "web" {
		t.Fatalf("specs %+v", specs)
	}
	pk, web := specs[0], specs[1]
	if got := strings.Join(pk.Command, " "); got != "node_modules/.bin/partykit dev --port 11999" {
		t.Errorf("partykit command %q", got)
	}
	if pk.Restart != orchestrate.RestartAlways || pk.MaxRestarts != 2 || pk.Backoff.String() != "1s" {
		t.Errorf("partykit restart %v %d %v", pk.Restart, pk.MaxRestarts, pk.Backoff)
	}
	if pk.Dir != dir || pk.URL != "http://127.0.0.1:11999" {
		t.Errorf("partykit dir %q url %q", pk.Dir, pk.URL)
	}
	if !web.Shell || web.Command[0] != "echo http://127.0.0.1:18787 11999" {
		t.Errorf("web shell %v %q", web.Shell, web.Command)
	}
	if web.Dir != filepath.Join(dir, "site") || web.Port != 15000 || web.Probe.Kind != orchestrate.ProbeLog {
		t.Errorf("web %+v", web)
	}
	if web.Restart != orchestrate.RestartOnFailure || web.MaxRestarts != 5 {
		t.Errorf("web restart defaults %v %d", web.Restart, web.MaxRestarts)
	}
	env := strings.Join(web.Env, "\n")
	for _, want := range []string{"PUBLIC_ANSWERS_URL=http://127.0.0.1:18787", "PUBLIC_PARTYKIT_HOST=127.0.0.1:11999",
		"ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true", "NO_UPDATE_NOTIFIER=1", "PORT=15000",
		"API=http://127.0.0.1:18787/answers"} {
		if !strings.Contains(env, want+"\n") && !strings.HasSuffix(env, want) {
			t.Errorf("env lacks %s:\n%s", want, env)
		}
	}
}

func TestProbeAndRestartFallbacks(t *testing.T) {
	p, err := Parse(t.TempDir(), "arena-dev.toml", []byte(`
[services.a]
command = ["x"]
port = 3000
restart = { max_restarts = 0 }
[services.b]
command = ["y"]
`))
	if err != nil {
		t.Fatal(err)
	}
	specs, err := p.Specs()
	if err != nil {
		t.Fatal(err)
	}
	a, b := specs[0], specs[1]
	if a.Probe.Kind != orchestrate.ProbeTCP || a.Probe.Address != "127.0.0.1:3000" {
		t.Errorf("a service with a port and no probe: %+v, want TCP on its port", a.Probe)
	}
	if a.Restart != orchestrate.RestartNo {
		t.Errorf("max_restarts = 0 must mean no restart, got %v", a.Restart)
	}
	if b.Probe.Kind != orchestrate.ProbeNone || b.Restart != orchestrate.RestartOnFailure {
		t.Errorf("b: probe %v restart %v", b.Probe.Kind, b.Restart)
	}
}

func TestSetPortErrors(t *testing.T) {
	p, err := Load(t.TempDir(), "/nonexistent/arena-dev.toml", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		port int
		want string
	}{
		{"db", 1, `unknown service "db" (have answers, astro, partykit)`},
		{"astro", 0, "not a TCP port"},
		{"astro", 1999, "port 1999 is also"},
	} {
		if err := p.SetPort(c.name, c.port); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetPort(%s, %d) = %v; want %q", c.name, c.port, err, c.want)
		}
	}
	if err := p.SetPort("answers", 18000); err != nil || p.AnswersURL() != "http://127.0.0.1:18000" {
		t.Errorf("answers port: %v %s", err, p.AnswersURL())
	}
}

func TestLoadMustExist(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir, filepath.Join(dir, FileName), true); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if got, _ := Find(sub); got != sub {
		t.Fatalf("no file: Find = %s, want %s", got, sub)
	}
	if _, err := WriteTemplate(root, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := Find(sub); got != root {
		t.Fatalf("Find = %s, want %s", got, root)
	}
	if _, err := WriteTemplate(root, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second init: %v", err)
	}
}
