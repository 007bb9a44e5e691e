package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/wrangler"
)

// Service names of the stack.
const (
	Answers  = "answers"
	PartyKit = "partykit"
	Astro    = "astro"
)

// ServiceNames in start order.
var ServiceNames = []string{Answers, PartyKit, Astro}

// Ports inside the containers (the tools' own defaults).
var containerPorts = map[string]int{Answers: 8787, PartyKit: 1999, Astro: 4321}

// DefaultNodeImage runs PartyKit and Astro unless --node-image says otherwise.
const DefaultNodeImage = "node:20-slim"

// Options describe one stack. Zero values get defaults in NewProject.
type Options struct {
	Name        string         // compose project name; default "arena"
	Dir         string         // the app folder (package.json, partykit.json); default "."
	StateDir    string         // the .wrangler/state to mount; default from wrangler.toml's folder
	NamespaceID string         // KV namespace id; default from wrangler.toml (binding ANSWERS)
	Version     string         // arena-dev's version: the self image's tag
	NodeImage   string         // image for PartyKit and Astro
	Ports       map[string]int // host ports by service; defaults are the container ports
	User        string         // uid:gid the containers run as; default the caller's
	ConfigFiles []string       // recorded in the config_files label (arena-dev.toml when used)
}

// Mount is a bind mount.
type Mount struct{ Source, Target string }

// Service is one container of the stack.
type Service struct {
	Name          string
	Image         string
	Entrypoint    []string
	Command       []string
	Env           []string // KEY=value, sorted
	WorkingDir    string
	User          string
	Mounts        []Mount
	ContainerPort int
	HostPort      int
	Health        []string // the HEALTHCHECK test, ["CMD", ...]
	ImageID       string   // set by Up: a rebuilt image changes the config hash
	ReadyPath     string   // GET on the published port that must answer below 500; default "/"
	DependsOn     []string // started once these are healthy
}

// Project is a resolved stack: what up creates, config prints and down removes.
type Project struct {
	Name        string
	Dir         string
	StateDir    string
	NamespaceID string
	SelfImage   string
	ConfigFiles []string
	Version     string
	Services    []Service
}

var projectName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// NewProject resolves options into the three services.
func NewProject(o Options) (*Project, error) {
	if o.Name == "" {
		o.Name = "arena"
	}
	if !projectName.MatchString(o.Name) {
		return nil, fmt.Errorf("project name %q: use lowercase letters, digits, '-' and '_', starting with a letter or digit", o.Name)
	}
	if o.Dir == "" {
		o.Dir = "."
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		return nil, fmt.Errorf("%s has no package.json: run arena-dev compose from the app folder or pass --dir", dir)
	}
	// The same namespace and state `wrangler dev` and `arena-dev up` use.
	cfg, err := wranglerConfig(dir)
	if err != nil {
		return nil, err
	}
	if o.NamespaceID == "" {
		o.NamespaceID = wrangler.DevNamespaceID(cfg, "ANSWERS")
	}
	state := wrangler.PersistRoot(o.StateDir, cfg, dir)
	if o.StateDir != "" {
		if state, err = filepath.Abs(o.StateDir); err != nil {
			return nil, err
		}
	}
	if o.NodeImage == "" {
		o.NodeImage = DefaultNodeImage
	}
	if o.User == "" {
		o.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	}
	ports := map[string]int{}
	for _, s := range ServiceNames {
		ports[s] = containerPorts[s]
	}
	for s, p := range o.Ports {
		if _, ok := containerPorts[s]; !ok {
			return nil, fmt.Errorf("--port %s=%d: no service %q (services: %s)", s, p, s, strings.Join(ServiceNames, ", "))
		}
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("--port %s=%d: not a port (1-65535)", s, p)
		}
		ports[s] = p
	}
	seen := map[int]string{}
	for _, s := range ServiceNames {
		if other, dup := seen[ports[s]]; dup {
			return nil, fmt.Errorf("services %s and %s both want host port %d", other, s, ports[s])
		}
		seen[ports[s]] = s
	}
	p := &Project{Name: o.Name, Dir: dir, StateDir: state, NamespaceID: o.NamespaceID,
		SelfImage: SelfImageRef(o.Version), ConfigFiles: o.ConfigFiles, Version: o.Version}
	p.Services = p.services(o.NodeImage, o.User, ports)
	return p, nil
}

func (p *Project) services(nodeImage, user string, ports map[string]int) []Service {
	const app = "/app"
	origins := fmt.Sprintf("http://127.0.0.1:%d,http://localhost:%d", ports[Astro], ports[Astro])
	probe := func(port int) []string {
		// A TCP connect, not a request: a request every second would flood the
		// dev servers' logs. --wait adds one HTTP request from the host.
		js := fmt.Sprintf("require('net').connect(%d,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))", port)
		return []string{"CMD", "node", "-e", js}
	}
	nodeEnv := []string{"HOME=/tmp", "NO_UPDATE_NOTIFIER=1", "PWD=" + app}
	answers := Service{
		Name: Answers, Image: p.SelfImage, Entrypoint: []string{"/arena-dev"},
		Command: []string{"serve", "--host", "0.0.0.0", "--port", strconv.Itoa(containerPorts[Answers]),
			"--persist-to", "/state", "--namespace-id", p.NamespaceID, "--cors-origin", origins},
		User: user, Mounts: []Mount{{p.StateDir, "/state"}},
		Health: []string{"CMD", "/arena-dev", "compose", "healthcheck",
			fmt.Sprintf("tcp://127.0.0.1:%d", containerPorts[Answers])},
		ReadyPath: "/healthz",
	}
	party := Service{
		Name: PartyKit, Image: nodeImage, WorkingDir: app, User: user, Mounts: []Mount{{p.Dir, app}},
		Command: []string{"node", "node_modules/.bin/partykit", "dev", "--port", strconv.Itoa(containerPorts[PartyKit]), "--disable-request-cf-fetch"},
		Env:     nodeEnv, Health: probe(containerPorts[PartyKit]),
	}
	astro := Service{
		Name: Astro, Image: nodeImage, WorkingDir: app, User: user, Mounts: []Mount{{p.Dir, app}},
		Command: []string{"node", "node_modules/.bin/astro", "dev", "--host", "0.0.0.0", "--port", strconv.Itoa(containerPorts[Astro])},
		Env: append(slices.Clone(nodeEnv),
			"ASTRO_TELEMETRY_DISABLED=1", "ASTRO_DISABLE_UPDATE_CHECK=true",
			// The example's pages fetch the answers server-side, inside this container,
			// where 127.0.0.1 is the container itself: use the service's name on the
			// project network. PartyKit is joined by the browser: its published address.
			fmt.Sprintf("PUBLIC_ANSWERS_URL=http://%s:%d", Answers, containerPorts[Answers]),
			fmt.Sprintf("PUBLIC_ANSWERS_BROWSER_URL=http://127.0.0.1:%d", ports[Answers]),
			fmt.Sprintf("PUBLIC_PARTYKIT_HOST=127.0.0.1:%d", ports[PartyKit])),
		Health: probe(containerPorts[Astro]), DependsOn: []string{Answers},
	}
	out := []Service{answers, party, astro}
	for i := range out {
		out[i].ContainerPort = containerPorts[out[i].Name]
		out[i].HostPort = ports[out[i].Name]
		sort.Strings(out[i].Env)
	}
	return out
}

// Service returns the named service.
func (p *Project) Service(name string) (Service, bool) {
	for _, s := range p.Services {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

// ContainerName is docker compose's <project>-<service>-1.
func (p *Project) ContainerName(service string) string { return p.Name + "-" + service + "-1" }

// NetworkName is docker compose's <project>_default.
func (p *Project) NetworkName() string { return p.Name + "_default" }

// wranglerConfig is the answers Worker's wrangler config: the example's
// wine-answers-worker/ first, else the one that applies in the app folder (wrangler's
// upward search); nil when there is none.
func wranglerConfig(dir string) (*wrangler.Config, error) {
	for _, d := range []string{filepath.Join(dir, "wine-answers-worker"), dir} {
		path, err := wrangler.FindConfig(d)
		if err != nil {
			return nil, err
		}
		if path != "" && (d == dir || filepath.Dir(path) == d) {
			return wrangler.LoadConfig(path)
		}
	}
	return nil, nil
}
