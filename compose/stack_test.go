//go:build unix

package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// composeStack drives the arena-dev binary on a private copy of the example.
type composeStack struct {
	t       *testing.T
	bin     string
	dir     string // the copy of examples/sommelier-arena
	project string
	ports   map[string]int
	image   string
}

func newComposeStack(t *testing.T, cli client.APIClient) *composeStack {
	s := &composeStack{t: t, bin: testenv.ArenaDev(t), dir: testenv.ExampleCopy(t), project: uniqueProject(t, cli),
		image: testNodeImage(t), ports: map[string]int{}}
	for _, n := range exampleServices {
		s.ports[n] = testenv.FreePort(t)
	}
	return s
}

// run runs arena-dev with args (stack flags added for up and config) and returns
// its exit code and combined output.
func (s *composeStack) run(args ...string) (int, string) {
	s.t.Helper()
	if len(args) > 1 && args[0] == "compose" {
		// Flags go before positional arguments (SERVICE...).
		flags := []string{"--project", s.project}
		if args[1] == "up" || args[1] == "config" || args[1] == "sync" {
			flags = append(flags, "--dir", s.dir, "--node-image", s.image)
			for n, p := range s.ports {
				flags = append(flags, "--port", fmt.Sprintf("%s=%d", n, p))
			}
		}
		n := 2
		if args[1] == "snapshot" && len(args) > 2 {
			n = 3 // compose snapshot save|restore
		}
		args = append(append(append([]string{}, args[:n]...), flags...), args[n:]...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("arena-dev %v: %v", args, err)
	}
	return code, string(out)
}

func (s *composeStack) url(service, path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.ports[service], path)
}

// TestComposeStack: the example stack in containers, end to end, through the CLI.
func TestComposeStack(t *testing.T) {
	cli := requireEngine(t)
	s := newComposeStack(t, cli)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	if code, out := s.run("compose", "up", "--wait"); code != 0 {
		t.Fatalf("compose up --wait: exit %d\n%s", code, out)
	}

	// The dashboard's services panel in the answers container: the containers as
	// the Engine API says, through the Docker socket compose mounts there.
	// The panel follows the engine's events, so it may trail `up --wait` by a
	// moment (a CI clone saw partykit "starting" there): wait for it to agree.
	states := map[string]string{}
	allReady := func() bool {
		var panel struct {
			Services []struct{ Name, State string }
		}
		getJSON(t, s.url("answers", "/_arena/api/services"), &panel)
		clear(states)
		for _, svc := range panel.Services {
			states[svc.Name] = svc.State
		}
		for _, n := range exampleServices {
			if states[n] != "ready" {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(30 * time.Second)
	for !allReady() && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	for _, n := range exampleServices {
		if states[n] != "ready" {
			t.Errorf("the answers container's services panel: %s is %q, want ready (%v)", n, states[n], states)
		}
	}

	// The answers API through its published port, seeded on first start.
	var colors []struct{ ID, Label string }
	getJSON(t, s.url("answers", "/answers/color"), &colors)
	if len(colors) == 0 {
		t.Fatal("GET /answers/color: no seeded colours")
	}
	label := postColor(t, s, "Docker orange "+randomSuffix())

	// Astro renders the answers it fetched server-side from the answers container.
	page := getBody(t, s.url("astro", "/"))
	if !strings.Contains(page, label) {
		t.Fatalf("the Astro page does not show %q (PUBLIC_ANSWERS_URL inside the container):\n%.2000s", label, page)
	}

	// Two players in a PartyKit room: one's answer reaches the other.
	room := "room-" + randomSuffix()
	a, b := dialRoom(ctx, t, s.ports["partykit"], room), dialRoom(ctx, t, s.ports["partykit"], room)
	if err := a.Write(ctx, websocket.MessageText, []byte(`{"label":"Merlot"}`)); err != nil {
		t.Fatal(err)
	}
	if m := readRoom(ctx, t, b, "answer"); !strings.Contains(string(m), "Merlot") {
		t.Fatalf("the other player got %s, want the answer Merlot", m)
	}

	s.checkPs()
	checkLabels(t, cli, s)
	if code, out := s.run("compose", "logs", "--tail", "50", "answers"); code != 0 || !strings.Contains(out, "[answers] ") || !strings.Contains(out, "path=/answers/color") {
		t.Fatalf("compose logs answers: exit %d, want [answers] lines with the POST:\n%s", code, out)
	}
	if code, out := s.run("compose", "logs", "nosuch"); code == 0 || !strings.Contains(out, `no service "nosuch"`) {
		t.Fatalf("compose logs nosuch: exit %d\n%s", code, out)
	}
	if code, out := s.run("compose", "config"); code != 0 || !strings.Contains(out, fmt.Sprintf(`"127.0.0.1:%d:%d"`, s.ports["answers"], s.ports["answers"])) {
		t.Fatalf("compose config: exit %d\n%s", code, out)
	}
	// A second up changes nothing and keeps the containers.
	if code, out := s.run("compose", "up", "--wait"); code != 0 || strings.Count(out, "is up to date") != 3 {
		t.Fatalf("second compose up: exit %d, want three up-to-date services:\n%s", code, out)
	}

	if code, out := s.run("compose", "down", "-v"); code != 0 {
		t.Fatalf("compose down: exit %d\n%s", code, out)
	}
	assertNothingLeft(t, cli, s.project)

	// The answer survives on the host, in the state `arena-dev up` and wrangler use,
	// and the files belong to the caller.
	state := filepath.Join(s.dir, "wine-answers-worker", ".wrangler", "state")
	code, out := s.run("kv", "key", "get", "answers:color", "--namespace-id", "wine-answers-ns", "--persist-to", state)
	if code != 0 || !strings.Contains(out, label) {
		t.Fatalf("arena-dev kv key get answers:color on the host: exit %d, want %q in:\n%s", code, label, out)
	}
	checkOwner(t, state)
}

func (s *composeStack) checkPs() {
	t := s.t
	code, out := s.run("compose", "ps", "--json")
	if code != 0 {
		t.Fatalf("compose ps --json: exit %d\n%s", code, out)
	}
	var rows []ContainerStatus
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("compose ps --json: %v\n%s", err, out)
	}
	if len(rows) != 3 {
		t.Fatalf("compose ps: %d containers, want 3:\n%s", len(rows), out)
	}
	for i, r := range rows {
		want := exampleServices[i]
		if r.Service != want || r.Name != s.project+"-"+want+"-1" || r.State != "running" || r.Health != "healthy" ||
			len(r.Publishers) != 1 || r.Publishers[0].URL != "127.0.0.1" || r.Publishers[0].PublishedPort != s.ports[want] {
			t.Errorf("ps row %d = %+v, want %s running, healthy, published on 127.0.0.1:%d", i, r, want, s.ports[want])
		}
	}
	if _, err := exec.LookPath("docker"); err == nil {
		if err := exec.Command("docker", "compose", "version").Run(); err == nil {
			out, err := exec.Command("docker", "compose", "-p", s.project, "ps", "--format", "{{.Service}}").CombinedOutput()
			if err != nil || strings.Fields(string(out)) == nil || len(strings.Fields(string(out))) != 3 {
				t.Errorf("docker compose -p %s ps: %v\n%s", s.project, err, out)
			}
			return
		}
	}
	t.Log("no docker compose v2 CLI here: the compose labels are checked through the Engine API")
}

// checkLabels reads docker compose's labels back through the Engine API.
func checkLabels(t *testing.T, cli client.APIClient, s *composeStack) {
	ctx := context.Background()
	for _, n := range exampleServices {
		c, err := cli.ContainerInspect(ctx, s.project+"-"+n+"-1")
		if err != nil {
			t.Fatal(err)
		}
		l := c.Config.Labels
		want := map[string]string{LabelProject: s.project, LabelService: n, LabelNumber: "1", LabelOneoff: "False", LabelWorkingDir: s.dir}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("%s: label %s = %q, want %q", n, k, l[k], v)
			}
		}
		for _, k := range []string{LabelConfigHash, LabelVersion} {
			if l[k] == "" {
				t.Errorf("%s: label %s is empty", n, k)
			}
		}
		if _, ok := l[LabelConfigFiles]; !ok {
			t.Errorf("%s: no %s label", n, LabelConfigFiles)
		}
		if _, ok := l[LabelDependsOn]; !ok {
			t.Errorf("%s: no %s label", n, LabelDependsOn)
		}
		if _, ok := c.NetworkSettings.Networks[s.project+"_default"]; !ok {
			t.Errorf("%s is not on %s_default", n, s.project)
		}
	}
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: projectFilter(s.project)})
	if err != nil || len(nets) != 1 || nets[0].Name != s.project+"_default" {
		t.Errorf("project networks %v (%v), want %s_default", nets, err, s.project)
	}
}

func checkOwner(t *testing.T, dir string) {
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && (int(st.Uid) != os.Getuid() || int(st.Gid) != os.Getgid()) {
			t.Errorf("%s belongs to %d:%d, want the caller %d:%d", p, st.Uid, st.Gid, os.Getuid(), os.Getgid())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return string(b)
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	if err := json.Unmarshal([]byte(getBody(t, url)), into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func dialRoom(ctx context.Context, t *testing.T, port int, room string) *websocket.Conn {
	t.Helper()
	url := "ws://127.0.0.1:" + strconv.Itoa(port) + "/parties/main/" + room
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("joining %s: %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	readRoom(ctx, t, c, "welcome")
	return c
}

// readRoom reads messages until one of type typ arrives.
func readRoom(ctx context.Context, t *testing.T, c *websocket.Conn, typ string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a %q message: %v", typ, err)
		}
		var m struct{ Type string }
		if json.Unmarshal(data, &m) == nil && m.Type == typ {
			return data
		}
	}
}

// TestComposeCLIErrors: usage and engine errors exit non-zero with a clear message
// (no engine needed: DOCKER_HOST points at a socket nobody serves).
func TestComposeCLIErrors(t *testing.T) {
	bin := testenv.ArenaDev(t)
	dir := appFolder(t, exampleWrangler)
	sock := filepath.Join(t.TempDir(), "none.sock")
	cases := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no engine", []string{"compose", "ps", "-p", "x"}, 1, "no Docker engine answers at unix://" + sock},
		{"no engine on up", []string{"compose", "up", "--dir", dir}, 1, "sudo dockerd"},
		{"bad port flag", []string{"compose", "up", "--dir", dir, "--port", "answers"}, 2, `--port "answers": want SERVICE=PORT`},
		{"unknown service", []string{"compose", "config", "--dir", dir, "--port", "redis=6379"}, 2, `unknown service "redis"`},
		{"healthcheck refused", []string{"compose", "healthcheck", "tcp://127.0.0.1:1"}, 1, "connection refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+sock)
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			if code != c.wantCode || !strings.Contains(string(out), c.want) {
				t.Fatalf("arena-dev %v: exit %d, want %d and %q in:\n%s", c.args, code, c.wantCode, c.want, out)
			}
		})
	}
}

// TestComposeRunsAServiceFromTheModel: a service added in arena-dev.toml, on a
// moved port, runs in the Node image under `compose up --wait` with its env, its
// dependency and its readiness as a health check; `compose config` shows it. A
// second one, aaa, depends on it: compose creates them in dependency order, not
// by name.
func TestComposeRunsAServiceFromTheModel(t *testing.T) {
	cli := requireEngine(t)
	bin, image, dir, name := testenv.ArenaDev(t), testNodeImage(t), testenv.ExampleCopy(t), uniqueProject(t, cli)
	api, echo := testenv.FreePort(t), testenv.FreePort(t)
	toml := `[services.echo]
command = ["node", "-e", "require('http').createServer((q,s)=>s.end('echo '+process.env.GREETING)).listen(+process.env.PORT,process.env.HOST||'127.0.0.1')"]
port = 3100
depends_on = ["answers"]
env = { GREETING = "from the model" }
ready = { http = "http://127.0.0.1:${PORT}/ready" }
# Sorts before echo and depends on it: compose must create echo first (issue 16).
[services.aaa]
command = ["node", "-e", "setInterval(() => {}, 1 << 30)"]
depends_on = ["echo"]
`
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		return 0, string(out)
	}
	ports := []string{"--port", fmt.Sprintf("answers=%d", api), "--port", fmt.Sprintf("echo=%d", echo)}
	code, out := run(append([]string{"compose", "config", "-p", name}, ports...)...)
	if code != 0 || !strings.Contains(out, "  echo:\n") || !strings.Contains(out, fmt.Sprintf(`"127.0.0.1:%d:%d"`, echo, echo)) ||
		!strings.Contains(out, `"GREETING=from the model"`) || strings.Contains(out, "  astro:\n") {
		t.Fatalf("compose config: exit %d\n%s", code, out)
	}
	if code, out := run(append([]string{"compose", "up", "--wait", "-p", name, "--node-image", image}, ports...)...); code != 0 {
		t.Fatalf("compose up --wait: exit %d\n%s", code, out)
	}
	defer run("compose", "down", "-p", name, "-v")
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", echo))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "echo from the model" {
		t.Errorf("the custom container says %q", body)
	}
	c, err := cli.ContainerInspect(context.Background(), name+"-echo-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Health == nil || c.State.Health.Status != "healthy" || c.Config.Labels[LabelDependsOn] != "answers:service_healthy:false" {
		t.Errorf("echo container: health %+v, depends_on label %q", c.State.Health, c.Config.Labels[LabelDependsOn])
	}
	if a, err := cli.ContainerInspect(context.Background(), name+"-aaa-1"); err != nil || !a.State.Running {
		t.Errorf("aaa, which depends on echo, is not running: %v", err)
	}

	// compose up on the running project recreates only the container whose
	// config changed (issue 19): echo's env, not answers nor aaa (which depends on
	// echo but reads nothing of it).
	ids := func() map[string]string {
		m := map[string]string{}
		for _, svc := range []string{"answers", "echo", "aaa"} {
			c, err := cli.ContainerInspect(context.Background(), name+"-"+svc+"-1")
			if err != nil {
				t.Fatal(err)
			}
			m[svc] = c.ID
		}
		return m
	}
	before := ids()
	changed := strings.Replace(toml, `GREETING = "from the model"`, `GREETING = "changed"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out = run(append([]string{"compose", "up", "--wait", "-p", name, "--node-image", image}, ports...)...)
	if code != 0 || strings.Count(out, "is up to date") != 2 {
		t.Fatalf("compose up after echo's env changed: exit %d, want answers and aaa up to date:\n%s", code, out)
	}
	after := ids()
	for svc, id := range before {
		if recreated := after[svc] != id; recreated != (svc == "echo") {
			t.Errorf("%s recreated = %v after only echo's env changed", svc, recreated)
		}
	}
	if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", echo)); err != nil {
		t.Error(err)
	} else {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "echo changed" {
			t.Errorf("the recreated echo says %q, want %q", body, "echo changed")
		}
	}
}

func postColor(t *testing.T, s *composeStack, label string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"label": label})
	resp, err := http.Post(s.url("answers", "/answers/color"), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /answers/color: %s", resp.Status)
	}
	return label
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after %s", what, d)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
