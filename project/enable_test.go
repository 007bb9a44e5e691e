package project

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

const stackToml = `
[services.web]
command = ["x"]
depends_on = ["api2"]
[services.api2]
command = ["x"]
[services.worker]
command = ["x"]
disabled = true
[services.debug]
command = ["x"]
profiles = ["tools"]
`

func enabled(p *Project) []string {
	var out []string
	for _, s := range p.Services {
		if !s.Disabled {
			out = append(out, s.Name)
		}
	}
	return out
}

func TestWhichServicesStart(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		want []string
		err  string
	}{
		{name: "default: not disabled, no profile", want: []string{"answers", "api2", "web"}},
		{name: "a profile adds its services", o: Options{Profiles: []string{"tools"}}, want: []string{"answers", "api2", "debug", "web"}},
		{name: "named services and their dependencies only", o: Options{Services: []string{"web"}}, want: []string{"api2", "web"}},
		{name: "a named disabled service starts", o: Options{Services: []string{"worker", "answers"}}, want: []string{"answers", "worker"}},
		{name: "unknown service", o: Options{Services: []string{"nope"}}, err: `no service "nope" (services: answers, api2, debug, web, worker)`},
		{name: "unknown profile", o: Options{Profiles: []string{"prod"}}, err: "--profile prod: no such profile (profiles: tools)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), stackToml)
			c.o.Dir = dir
			p, err := Resolve(c.o)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := enabled(p); !slices.Equal(got, c.want) {
				t.Fatalf("enabled %v, want %v", got, c.want)
			}
			for _, s := range p.Services {
				if s.Disabled && s.DisabledWhy == "" {
					t.Errorf("%s is disabled without a reason", s.Name)
				}
			}
		})
	}
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "one.env"), "A=from-file\nB=from-file\n# comment\nexport C='c d'\n")
	testenv.WriteFile(t, filepath.Join(dir, "two.env"), "B=second-file\n")
	testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), `[services.web]
command = ["x"]
env_file = ["one.env", "two.env"]
env = { A = "from-toml" }
`)
	p, err := Resolve(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	web, _ := p.Service("web")
	last := map[string]string{}
	for _, kv := range web.Env {
		k, v, _ := strings.Cut(kv, "=")
		last[k] = v // the child sees the last of each key
	}
	if last["A"] != "from-toml" || last["B"] != "second-file" || last["C"] != "c d" {
		t.Fatalf("env %v", last)
	}
	testenv.WriteFile(t, filepath.Join(dir, "two.env"), "B=ok\nthis is not a line\n")
	if _, err := Resolve(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "two.env")+":2:") {
		t.Fatalf("a bad env_file line: %v, want file:line", err)
	}
	os.Remove(filepath.Join(dir, "two.env"))
	if _, err := Resolve(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "two.env") {
		t.Fatalf("a missing env_file: %v", err)
	}
}

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "package.json"), "{}")
	testenv.WriteFile(t, filepath.Join(dir, "partykit.json"), "{}")
	resolve := func(o Options) []byte {
		o.Dir = dir
		p, err := Resolve(o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.JSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	same, err := Diff(resolve(Options{}), resolve(Options{}))
	if err != nil || len(same) != 0 {
		t.Fatalf("one project twice differs: %v %v", same, err)
	}
	moved, err := Diff(resolve(Options{}), resolve(Options{Ports: []string{"astro=4400"}}))
	if err != nil || !slices.Contains(moved, "astro.Port: 4321 -> 4400") {
		t.Fatalf("a moved port: %v %v", moved, err)
	}
}
