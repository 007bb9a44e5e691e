package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
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
		{"port twice", "[answers]\nport = 9000\n[services.web]\ncommand = [\"x\"]\nport = 9000\n", "arena-dev.toml:5: services.web.port: port 9000 is also answers's"},
		{"port range", "[services.web]\ncommand = [\"x\"]\nport = 70000\n", "arena-dev.toml:3: services.web.port: 70000 is not a TCP port"},
		{"command and shell", "[services.web]\ncommand = [\"x\"]\nshell = \"npm start\"\n", "arena-dev.toml:1: services.web: set command (an argv) or shell"},
		{"no command", "[services.web]\nport = 3000\n", "arena-dev.toml:1: services.web: missing command"},
		{"two probes", "[services.web]\ncommand = [\"x\"]\nready = { http = \"http://127.0.0.1/\", tcp = \"127.0.0.1:1\" }\n", "services.web.ready: set one of http, tcp or log"},
		{"unknown variable", "[services.web]\ncommand = [\"x\", \"${PROT}\"]\n", "arena-dev.toml:2: services.web.command: unknown variable ${PROT}"},
		{"reserved name", "[services.answers]\ncommand = [\"x\"]\n", "\"answers\" is the built-in answers API"},
		{"negative restarts", "[services.web]\ncommand = [\"x\"]\nrestart = { max_restarts = -1 }\n", "services.web.restart.max_restarts: must not be negative"},
		{"not toml", "[answers\n", "arena-dev.toml:1"},
		{"bad answers mode", "[answers]\nmode = \"node\"\n", "arena-dev.toml:2: answers.mode: \"node\": want \"go\" (the default) or \"worker\""},
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
	if !reflect.DeepEqual(fromTemplate.File.Services, defaults.File.Services) {
		t.Fatalf("template and defaults differ:\n%+v\n%+v", fromTemplate.File.Services, defaults.File.Services)
	}
	if !reflect.DeepEqual(fromTemplate.File.Answers, defaults.File.Answers) {
		t.Fatalf("answers differ:\n%+v\n%+v", fromTemplate.File.Answers, defaults.File.Answers)
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
		if err := p.SetPorts(map[string]int{c.name: c.port}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SetPorts(%s=%d) = %v; want %q", c.name, c.port, err, c.want)
		}
	}
	if err := p.SetPorts(map[string]int{"answers": 18000}); err != nil || p.AnswersURL() != "http://127.0.0.1:18000" {
		t.Errorf("answers port: %v %s", err, p.AnswersURL())
	}
	// A swap is valid although each half alone would clash.
	if err := p.SetPorts(map[string]int{"astro": 1999, "partykit": 4321}); err != nil || p.File.Services["astro"].Port != 1999 {
		t.Errorf("swapping ports: %v", err)
	}
}

func TestLoadMustExist(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir, filepath.Join(dir, FileName), true); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("missing file: %v", err)
	}
}
