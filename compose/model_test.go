package compose

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
)

// TestUpAndComposeReadOneModel resolves several arena-dev.toml files once each and
// checks that what `up` supervises and what `compose` creates agree on argv, env,
// ports, dependencies and readiness: both are read off the same value.
func TestUpAndComposeReadOneModel(t *testing.T) {
	cases := []struct {
		name, toml string
		ports      []string
	}{
		{name: "default layout"},
		{name: "moved ports", ports: []string{"astro=14321", "partykit=11999", "answers=18787"}},
		{name: "a custom service", toml: `
[services.echo]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end('hi')).listen(${PORT},'127.0.0.1')"]
port = 3100
depends_on = ["answers"]
env = { GREETING = "hi from ${ANSWERS_URL}" }
ready = { http = "http://127.0.0.1:${PORT}/health" }
`},
		{name: "a shell service with a log probe", toml: `
[services.worker]
shell = "echo ready; exec sleep 1000"
dir = "site"
ready = { log = "^ready$" }
[services.web]
command = ["node_modules/.bin/vite", "--host", "localhost", "--port=${PORT}"]
port = 5173
depends_on = ["worker"]
ready = { tcp = "127.0.0.1:${PORT}" }
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := appFolder(t, exampleWrangler)
			if c.toml != "" {
				if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte(c.toml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, err := project.Resolve(project.Options{Dir: dir, Ports: c.ports})
			if err != nil {
				t.Fatal(err)
			}
			specs := stack.Specs(m, nil, nil)
			cp, err := NewProject(m, Options{Version: "1"})
			if err != nil {
				t.Fatal(err)
			}
			order, err := m.InDependencyOrder()
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, s := range order {
				want = append(want, s.Name)
			}
			if got := cp.ServiceNames(); !slices.Equal(got, want) {
				t.Fatalf("compose services %v, the model's start order %v", got, want)
			}
			for _, spec := range specs {
				c, _ := cp.Service(spec.Name)
				agree(t, spec, c, m.Answers)
			}
		})
	}
}

// agree checks one service of up against its container.
func agree(t *testing.T, spec orchestrate.ServiceSpec, c Service, a project.Answers) {
	t.Helper()
	name := spec.Name
	if c.ContainerPort != spec.Port || c.HostPort != spec.Port {
		t.Errorf("%s: up port %d, container %d published %d", name, spec.Port, c.ContainerPort, c.HostPort)
	}
	if !slices.Equal(c.DependsOn, spec.DependsOn) {
		t.Errorf("%s: up depends on %v, container on %v", name, spec.DependsOn, c.DependsOn)
	}
	if spec.InProcess {
		cmd := strings.Join(c.Command, " ")
		for _, want := range []string{"--port " + strconv.Itoa(a.Port), "--namespace-id " + a.NamespaceID} {
			if !strings.Contains(cmd, want) {
				t.Errorf("answers container %q lacks %q", cmd, want)
			}
		}
		for _, o := range a.CORSOrigins {
			if !strings.Contains(cmd, "--cors-origin "+o) {
				t.Errorf("answers container %q lacks the origin %s", cmd, o)
			}
		}
		return
	}
	// argv: the same, but for the documented mapping (node for .bin tools, a
	// loopback bind address opened to the container's interface).
	argv := c.Command
	switch {
	case spec.Shell:
		if !slices.Equal(argv, []string{"/bin/sh", "-c", spec.Command[0]}) {
			t.Errorf("%s: shell %q, container %q", name, spec.Command[0], argv)
		}
	default:
		if strings.Contains(spec.Command[0], "node_modules/.bin/") {
			if argv[0] != "node" {
				t.Errorf("%s: container runs %v, want node first", name, argv)
			}
			argv = argv[1:]
		}
		if len(argv) != len(spec.Command) {
			t.Fatalf("%s: up argv %q, container %q", name, spec.Command, argv)
		}
		for i := range argv {
			same := argv[i] == spec.Command[i] ||
				strings.Replace(argv[i], "0.0.0.0", "localhost", 1) == spec.Command[i] ||
				strings.Replace(argv[i], "0.0.0.0", "127.0.0.1", 1) == spec.Command[i]
			if !same {
				t.Errorf("%s: argument %d: up %q, container %q", name, i, spec.Command[i], argv[i])
			}
		}
	}
	// env: everything up gives, but for the answers URL seen from inside.
	for _, kv := range spec.Env {
		if strings.HasPrefix(kv, "PUBLIC_ANSWERS_URL=") {
			if !slices.Contains(c.Env, "PUBLIC_ANSWERS_BROWSER_URL="+a.URL) {
				t.Errorf("%s: container lacks the browser's answers URL %s", name, a.URL)
			}
			continue
		}
		if !slices.Contains(c.Env, kv) {
			t.Errorf("%s: up sets %s, the container does not", name, kv)
		}
	}
	// readiness: HTTP and TCP become a health check on the probed port, the HTTP
	// path is what --wait asks; a log probe has no health check.
	switch spec.Probe.Kind {
	case project.ProbeHTTP:
		u, _ := url.Parse(spec.Probe.URL)
		if c.ReadyPath != u.RequestURI() || !healthPort(c.Health, u.Port()) {
			t.Errorf("%s: HTTP probe %s, container health %v ready path %q", name, spec.Probe.URL, c.Health, c.ReadyPath)
		}
	case project.ProbeTCP:
		_, port, _ := strings.Cut(spec.Probe.Address, ":")
		if !healthPort(c.Health, port) {
			t.Errorf("%s: TCP probe %s, container health %v", name, spec.Probe.Address, c.Health)
		}
	case project.ProbeLog:
		if c.Health != nil {
			t.Errorf("%s: a log probe cannot be a health check, got %v", name, c.Health)
		}
	}
}

func healthPort(test []string, port string) bool {
	return len(test) == 4 && strings.Contains(test[3], "connect("+port+",")
}
