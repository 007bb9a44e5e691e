package compose

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/project"
)

// DefaultNodeImage runs the supervised services unless --node-image says otherwise.
const DefaultNodeImage = "node:20-slim"

// Options are what the containers need beyond the model. Zero values get defaults.
type Options struct {
	Name      string // compose project name; default "arena"
	Version   string // arena-dev's version: the self image's tag
	NodeImage string // image for every supervised service
	User      string // uid:gid the containers run as; default the caller's
	// EngineSocket, when set, is the Docker socket mounted into the answers
	// container, whose dashboard then shows and steers the containers.
	EngineSocket string
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
	GroupAdd      []string // extra groups (the Docker socket's, for the answers container)
	ContainerPort int      // 0: nothing published
	HostPort      int      // the same as ContainerPort: a moved port moves inside too
	Health        []string // the HEALTHCHECK test, ["CMD", ...]; nil = none (running is enough)
	ImageID       string   // set by Up: a rebuilt image changes the config hash
	ReadyPath     string   // GET on the published port that must answer below 500; "" = none
	DependsOn     []string // started once these are healthy
}

// Project is the model as containers: what up creates, config prints and down removes.
type Project struct {
	Name        string
	Dir         string // the project root, mounted at /app
	StateDir    string
	NamespaceID string
	SelfImage   string
	ConfigFiles []string
	Version     string
	Services    []Service // in start order: each after those it depends on
}

var projectName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// appDir is where the project root is mounted in every Node container.
const appDir = "/app"

// NewProject turns the resolved model into containers. Everything comes from m:
// commands, env, ports, dependencies, readiness (as health checks), the state
// and the namespace. What cannot carry over unchanged is mapped here and listed
// in the README: a loopback bind address in a command becomes 0.0.0.0 (the
// published port reaches the container's own interface), node_modules/.bin tools
// run through `node` (the image need not have /usr/bin/env), and
// PUBLIC_ANSWERS_URL names the answers container for server-side fetches.
func NewProject(m *project.Project, o Options) (*Project, error) {
	if o.Name == "" {
		o.Name = "arena"
	}
	if !projectName.MatchString(o.Name) {
		return nil, fmt.Errorf("project name %q: use lowercase letters, digits, '-' and '_', starting with a letter or digit", o.Name)
	}
	if o.NodeImage == "" {
		o.NodeImage = DefaultNodeImage
	}
	if o.User == "" {
		o.User = fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	}
	p := &Project{Name: o.Name, Dir: m.Root, StateDir: m.Answers.PersistRoot, NamespaceID: m.Answers.NamespaceID,
		SelfImage: SelfImageRef(o.Version), Version: o.Version}
	if m.ConfigFile != "" {
		p.ConfigFiles = []string{m.ConfigFile}
	}
	// Up creates the containers in this order, Down removes them in its reverse:
	// the model's one dependency order, the one `up` starts services in.
	ordered, err := m.InDependencyOrder()
	if err != nil {
		return nil, err
	}
	for _, s := range ordered {
		if s.Disabled {
			continue // as docker compose with profiles: not created at all
		}
		var c Service
		if s.InProcess {
			c = p.answersContainer(m.Answers, o.User)
			p.engineAccess(&c, o.EngineSocket)
		} else {
			var err error
			if c, err = p.nodeContainer(m, s, o); err != nil {
				return nil, err
			}
			if s.Name == project.AnswersService { // answers mode worker
				c = p.workerContainer(m, c)
			}
		}
		c.DependsOn = append([]string(nil), s.DependsOn...)
		sort.Strings(c.Env)
		p.Services = append(p.Services, c)
	}
	return p, nil
}

// answersContainer is arena-dev serve in its own FROM scratch image.
func (p *Project) answersContainer(a project.Answers, user string) Service {
	port := strconv.Itoa(a.Port)
	// --allow-host: the other containers call it by its service name.
	cmd := []string{"serve", "--host", "0.0.0.0", "--port", port, "--persist-to", "/state", "--namespace-id", a.NamespaceID,
		"--allow-host", project.AnswersService}
	for _, o := range a.CORSOrigins {
		cmd = append(cmd, "--cors-origin", o)
	}
	if !a.Seed {
		cmd = append(cmd, "--no-seed")
	}
	return Service{
		Name: project.AnswersService, Image: p.SelfImage, Entrypoint: []string{"/arena-dev"}, Command: cmd,
		User: user, Mounts: []Mount{{p.StateDir, "/state"}},
		ContainerPort: a.Port, HostPort: a.Port,
		Health:    []string{"CMD", "/arena-dev", "compose", "healthcheck", "tcp://127.0.0.1:" + port},
		ReadyPath: "/healthz",
	}
}

// nodeContainer runs a supervised service in the Node image with the project
// mounted at /app.
func (p *Project) nodeContainer(m *project.Project, s project.Service, o Options) (Service, error) {
	rel, err := filepath.Rel(m.Root, s.Dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return Service{}, fmt.Errorf("service %s: dir %s is outside the project %s, which is all a container sees", s.Name, s.Dir, m.Root)
	}
	wd := path.Join(appDir, filepath.ToSlash(rel))
	c := Service{
		Name: s.Name, Image: o.NodeImage, WorkingDir: wd, User: o.User,
		Mounts: []Mount{{m.Root, appDir}}, ContainerPort: s.Port, HostPort: s.Port,
		Command: containerArgv(s),
		Env:     containerEnv(s.Env, m.Answers, wd),
	}
	c.Health, c.ReadyPath = healthCheck(s.Probe, s.Port)
	return c, nil
}

// containerArgv is the service's command as the container runs it.
func containerArgv(s project.Service) []string {
	if s.Shell {
		return []string{"/bin/sh", "-c", s.Command[0]}
	}
	argv := append([]string(nil), s.Command...)
	for i := 1; i < len(argv); i++ {
		flag, val, inline := strings.Cut(argv[i], "=")
		if !bindFlags[flag] {
			continue
		}
		switch {
		case inline && loopback[val]:
			argv[i] = flag + "=0.0.0.0"
		case !inline && i+1 < len(argv) && loopback[argv[i+1]]:
			argv[i+1] = "0.0.0.0"
		}
	}
	if strings.Contains(argv[0], "node_modules/.bin/") {
		argv = append([]string{"node"}, argv...)
	}
	return argv
}

// bindFlags name a server's listen address in the dev tools' own flags
// (astro/vite --host, wrangler --ip).
var bindFlags = map[string]bool{"--host": true, "--ip": true, "--hostname": true, "-H": true}

var loopback = map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true}

// containerEnv is the service's env in its container: PUBLIC_ANSWERS_URL is read
// server-side inside the container, where 127.0.0.1 is the container itself, so it
// names the answers service on the project network; the browser's URL stays as
// PUBLIC_ANSWERS_BROWSER_URL. HOST=0.0.0.0 (unless the service sets HOST) lets
// servers that read it listen where the published port arrives.
func containerEnv(env []string, a project.Answers, wd string) []string {
	out := []string{"HOME=/tmp", "PWD=" + wd}
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "HOST=") }) {
		out = append(out, "HOST=0.0.0.0")
	}
	for _, kv := range env {
		if strings.HasPrefix(kv, "PUBLIC_ANSWERS_URL=") {
			out = append(out,
				fmt.Sprintf("PUBLIC_ANSWERS_URL=http://%s:%d", project.AnswersService, a.Port),
				"PUBLIC_ANSWERS_BROWSER_URL="+a.URL)
			continue
		}
		out = append(out, kv)
	}
	return out
}

// healthCheck turns readiness into a health check run inside the container, and
// the path `--wait` then requests through the published port. An HTTP probe is
// checked inside as a TCP connect (a request every second would flood the dev
// servers' logs) and its path from the host once; a log-line probe has no health
// check equivalent, so such a service is ready once running.
func healthCheck(pr project.Probe, port int) (test []string, readyPath string) {
	target := port
	switch pr.Kind {
	case project.ProbeHTTP:
		if u, err := url.Parse(pr.URL); err == nil {
			readyPath = u.RequestURI()
			if n, err := strconv.Atoi(u.Port()); err == nil {
				target = n
			}
		}
	case project.ProbeTCP:
		if _, ps, ok := strings.Cut(pr.Address, ":"); ok {
			if n, err := strconv.Atoi(ps); err == nil {
				target = n
			}
		}
	default:
		return nil, ""
	}
	if target == 0 {
		return nil, readyPath
	}
	js := fmt.Sprintf("require('net').connect(%d,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))", target)
	return []string{"CMD", "node", "-e", js}, readyPath
}

// Service returns the named service.
func (p *Project) Service(name string) (Service, bool) { return project.Find(p.Services, nameOf, name) }

// ServiceNames lists the services in start order.
func (p *Project) ServiceNames() []string { return project.Names(p.Services, nameOf) }

func nameOf(s Service) string { return s.Name }

// ContainerName is docker compose's <project>-<service>-1.
func (p *Project) ContainerName(service string) string { return p.Name + "-" + service + "-1" }

// NetworkName is docker compose's <project>_default.
func (p *Project) NetworkName() string { return p.Name + "_default" }

// engineAccess gives the answers container the Engine API, read and steered by
// its dashboard's services panel (`serve --compose-project`): the socket is
// mounted where the Docker client looks, and the container joins its group.
func (p *Project) engineAccess(c *Service, socket string) {
	if socket == "" {
		return
	}
	st, err := os.Stat(socket)
	if err != nil {
		return // no local socket (a remote engine): no panel, nothing else changes
	}
	c.Mounts = append(c.Mounts, Mount{socket, "/var/run/docker.sock"})
	c.Command = append(c.Command, "--compose-project", p.Name)
	if gid := fileGroup(st); gid != "" {
		c.GroupAdd = []string{gid}
	}
}
