package project

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// planBase is a small stack: api (answers), pk and web, web reading pk's URL.
const planBase = `
[answers]
port = 18787
namespace_id = "ns"
[services.pk]
command = ["pk", "--port", "${PORT}"]
port = 11999
[services.web]
command = ["web", "--port", "${PORT}"]
port = 14321
depends_on = ["answers", "pk"]
env = { PK = "${PK_URL}", ARENA_X = "1" }
`

// noPK is planBase with web not reading pk's URL.
var noPK = strings.Replace(planBase, `PK = "${PK_URL}", `, "", 1)

// resolveTwice resolves before and after in one project directory (a convergence
// happens in place), with the same options.
func resolveTwice(t *testing.T, before, after string, o Options) (*Project, *Project) {
	t.Helper()
	dir := t.TempDir()
	o.Dir = dir
	path := filepath.Join(dir, "arena-dev.toml")
	testenv.WriteFile(t, path, before)
	old, err := Resolve(o)
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, path, after)
	new, err := Resolve(o)
	if err != nil {
		t.Fatal(err)
	}
	return old, new
}

func TestMakePlan(t *testing.T) {
	cases := []struct {
		name   string
		before string // "" = planBase
		after  string
		opts   Options
		want   []string
		hashes []string // services whose hash differs
	}{
		{"nothing changed", "", planBase, Options{},
			[]string{"answers: keep", "pk: keep", "web: keep"}, nil},
		{"one env var", "", strings.Replace(planBase, `ARENA_X = "1"`, `ARENA_X = "2"`, 1), Options{},
			[]string{"web: restart (env ARENA_X changed)", "answers: keep", "pk: keep"}, []string{"web"}},
		{"env added", "", strings.Replace(planBase, `ARENA_X = "1"`, `ARENA_X = "1", NEW = "y"`, 1), Options{},
			[]string{"web: restart (env NEW added)", "answers: keep", "pk: keep"}, []string{"web"}},
		{"a dependency's port, read through ${PK_URL}", "", strings.Replace(planBase, "port = 11999", "port = 12000", 1), Options{},
			[]string{
				"pk: restart (command changed; port 11999 -> 12000; env PORT changed; readiness changed)",
				"web: restart (env PK changed)",
				"answers: keep"}, []string{"pk", "web"}},
		{"a dependency's port, not in the dependant's config", noPK, strings.Replace(noPK, "port = 11999", "port = 12000", 1), Options{},
			[]string{
				"pk: restart (command changed; port 11999 -> 12000; env PORT changed; readiness changed)",
				"web: restart (pk's address changed: http://127.0.0.1:11999 -> http://127.0.0.1:12000)",
				"answers: keep"}, []string{"pk"}},
		{"answers cors: answers alone", "", strings.Replace(planBase, `namespace_id = "ns"`, `namespace_id = "ns"`+"\ncors_origins = [\"http://x\"]", 1), Options{},
			[]string{"answers: restart (cors origins changed)", "pk: keep", "web: keep"}, []string{"answers"}},
		{"service added", "", planBase + "[services.extra]\ncommand = [\"extra\"]\n", Options{},
			[]string{"extra: start (added)", "answers: keep", "pk: keep", "web: keep"}, nil},
		{"service removed, its dependant changed", "", strings.Replace(strings.Replace(noPK, `, "pk"]`, `]`, 1),
			"[services.pk]\ncommand = [\"pk\", \"--port\", \"${PORT}\"]\nport = 11999\n", "", 1), Options{},
			[]string{"pk: stop (removed)", "web: restart (env PK removed; depends_on [answers pk] -> [answers])", "answers: keep"}, []string{"web"}},
		{"disabled", "", strings.Replace(planBase, "port = 14321", "port = 14321\ndisabled = true", 1), Options{},
			[]string{"web: stop (disabled: disabled in arena-dev.toml)", "answers: keep", "pk: keep"}, nil},
		{"readiness and stop_timeout", "", strings.Replace(planBase, "port = 14321", "port = 14321\nstop_timeout = \"9s\"\nready = { tcp = \"127.0.0.1:1\" }", 1), Options{},
			[]string{"web: restart (readiness changed; stop_timeout 3s -> 9s)", "answers: keep", "pk: keep"}, []string{"web"}},
		{"watch globs alone change nothing that runs", "", strings.Replace(planBase, "port = 14321", "port = 14321\nwatch = [\"src/**\"]", 1), Options{},
			[]string{"answers: keep", "pk: keep", "web: keep"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.before == "" {
				c.before = planBase
			}
			old, new := resolveTwice(t, c.before, c.after, c.opts)
			plan, err := MakePlan(old, new)
			if err != nil {
				t.Fatal(err)
			}
			got := plan.Lines()
			for i := range got {
				got[i] = strings.ReplaceAll(got[i], new.Root+string(filepath.Separator), "")
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("plan:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			if plan.Empty() != (c.name == "nothing changed" || strings.HasPrefix(c.name, "watch globs")) {
				t.Errorf("Empty() = %v", plan.Empty())
			}
			var differ []string
			for _, s := range new.Services {
				if h := old.ConfigHash(s.Name); h != "" && h != new.ConfigHash(s.Name) {
					differ = append(differ, s.Name)
				}
			}
			if !slices.Equal(differ, c.hashes) {
				t.Errorf("hashes differ for %v; want %v", differ, c.hashes)
			}
		})
	}
}

func TestMakePlanRefusesAnotherStack(t *testing.T) {
	old, new := resolveTwice(t, planBase, strings.Replace(planBase, `namespace_id = "ns"`, `namespace_id = "other"`, 1), Options{})
	_, err := MakePlan(old, new)
	var nc *NotConvergeableError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), `KV namespace "ns" -> "other"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigHashIsStable(t *testing.T) {
	a, b := resolveTwice(t, planBase, planBase, Options{})
	for _, s := range a.Services {
		h := a.ConfigHash(s.Name)
		if len(h) != 16 || h != b.ConfigHash(s.Name) {
			t.Errorf("%s: %q vs %q", s.Name, h, b.ConfigHash(s.Name))
		}
	}
	if a.ConfigHash("nope") != "" {
		t.Error("hash of an unknown service")
	}
}

func TestSources(t *testing.T) {
	dir := t.TempDir()
	testenv.WriteFile(t, filepath.Join(dir, "w", "wrangler.toml"), "name = \"w\"\n[[kv_namespaces]]\nbinding = \"ANSWERS\"\nid = \"x\"\n")
	testenv.WriteFile(t, filepath.Join(dir, "web.env"), "A=1\n")
	testenv.WriteFile(t, filepath.Join(dir, "arena-dev.toml"), "[answers]\nwrangler_config = \"w/wrangler.toml\"\n[services.web]\ncommand = [\"x\"]\nenv_file = [\"web.env\"]\n")
	p, err := Resolve(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "arena-dev.toml"), filepath.Join(dir, "w", "wrangler.toml"), filepath.Join(dir, "w", ".dev.vars"), filepath.Join(dir, "web.env")}
	if got := p.Sources(); !slices.Equal(got, want) {
		t.Fatalf("sources %v; want %v", got, want)
	}
}

func TestDependants(t *testing.T) {
	p := resolveToml(t, planBase+"[services.top]\ncommand = [\"x\"]\ndepends_on = [\"web\"]\n[services.side]\ncommand = [\"x\"]\n", Options{})
	for name, want := range map[string][]string{"pk": {"web", "top"}, "answers": {"web", "top"}, "web": {"top"}, "top": nil, "side": nil} {
		if got := p.Dependants(name); !slices.Equal(got, want) {
			t.Errorf("Dependants(%s) = %v; want %v", name, got, want)
		}
	}
}

// TestModelRoundTrip: the model as the run file and the control API carry it
// (JSON) plans as the model itself: the same hashes, nothing to do.
func TestModelRoundTrip(t *testing.T) {
	p := resolveToml(t, planBase+"[services.logged]\ncommand = [\"x\"]\nready = { log = 'ready in \\d+' }\nwatch = [\"src/**\"]\n", Options{})
	raw, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Project
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	plan, err := MakePlan(p, &back)
	if err != nil || !plan.Empty() {
		t.Fatalf("plan after a round trip: %v %v", plan.Lines(), err)
	}
	if s, _ := back.Service("logged"); s.Probe.Pattern == nil || s.Probe.Pattern.String() != `ready in \d+` || !slices.Equal(s.Watch, []string{"src/**"}) {
		t.Fatalf("round trip lost the probe or the globs: %+v", s)
	}
}

// TestPinPorts: under --ports auto, a running stack's ports are kept for the
// services that still exist; a new service gets a free port, a removed one's pin
// is dropped, and --port still wins.
func TestPinPorts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "arena-dev.toml")
	testenv.WriteFile(t, path, planBase)
	first, err := Resolve(Options{Dir: dir, PortsAuto: true})
	if err != nil {
		t.Fatal(err)
	}
	testenv.WriteFile(t, path, strings.Replace(strings.Replace(noPK, `, "pk"]`, `]`, 1),
		"[services.pk]\ncommand = [\"pk\", \"--port\", \"${PORT}\"]\nport = 11999\n", "", 1)+"[services.extra]\ncommand = [\"x\"]\nport = 1\n")
	again, err := Resolve(Options{Dir: dir, PortsAuto: true, AutoPortsFrom: first.Ports(), Ports: []string{"web=15555"}})
	if err != nil {
		t.Fatal(err)
	}
	got := again.Ports()
	if got["answers"] != first.Ports()["answers"] || got["web"] != 15555 || got["extra"] == 0 || got["extra"] == 1 {
		t.Fatalf("ports %v (first %v)", got, first.Ports())
	}
	if _, ok := got["pk"]; ok {
		t.Fatalf("the removed service's pin survived: %v", got)
	}
}
