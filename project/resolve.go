package project

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/internal/dotenv"
	"github.com/sommelier-arena/arena-dev/internal/freeport"
	"github.com/sommelier-arena/arena-dev/wrangler"
)

// Options are a command's inputs to the model: where it runs and its overrides.
type Options struct {
	Dir         string   // where the command runs; default "."
	File        string   // an explicit arena-dev.toml (--file); its folder is the root
	Ports       []string // --port SERVICE=N, applied before anything is derived
	PersistTo   string   // --persist-to: the KV persist root, relative to Dir
	Ephemeral   bool     // --ephemeral: a throwaway persist root in the run directory
	CORSOrigins []string // --cors-origin: replaces every other source
	Services    []string // `up SVC...`: only these and what they depend on are started
	Profiles    []string // --profile: also start the services of these profiles
	// Name is the stack's name (--name): several stacks of one checkout run side
	// by side, each with its own run directory, logs and ephemeral state.
	Name string
	// PortsAuto (--ports auto) gives every service with a port a free one (a
	// --port still wins); everything derived follows.
	PortsAuto bool
	// AutoPortsFrom: with PortsAuto, a service found here keeps this port
	// instead of a newly picked one (a running stack's ports, so that a model
	// resolved again for comparison is the same stack).
	AutoPortsFrom map[string]int
	// AnswersMode (--answers) replaces arena-dev.toml's [answers] mode.
	AnswersMode string
	// --kv-consistency and --kv-propagation-delay, as typed; they win over arena-dev.toml.
	KVConsistency, KVPropagationDelay string
	// KVLimits is --kv-limits as typed; it wins over arena-dev.toml.
	KVLimits string
}

// UsageError is a bad flag or configuration: the CLI exits 2 on it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Resolve builds the model: see the package comment.
func Resolve(o Options) (*Project, error) {
	if o.Dir == "" {
		o.Dir = "."
	}
	cp, found, err := load(o)
	if err == nil {
		err = checkGraph(cp)
	}
	if err != nil {
		return nil, &UsageError{err}
	}
	if err := CheckStackName(o.Name); err != nil {
		return nil, &UsageError{err}
	}
	ports := map[string]int{}
	for _, kv := range o.Ports {
		name, val, ok := strings.Cut(kv, "=")
		n, perr := strconv.Atoi(val)
		if !ok || perr != nil {
			return nil, &UsageError{fmt.Errorf("--port %q: want SERVICE=PORT, e.g. --port astro=4322", kv)}
		}
		ports[name] = n
	}
	if o.PortsAuto {
		if err := autoPorts(cp, ports, o.AutoPortsFrom); err != nil {
			return nil, err
		}
	}
	if err := cp.SetPorts(ports); err != nil {
		return nil, &UsageError{err}
	}
	at := StackAt(cp.Dir, o.Name)
	p := &Project{Root: cp.Dir, ConfigFile: cp.Path, Found: found, Name: o.Name, Watch: cp.File.Watch, RunDir: at.RunDir, LogDir: at.LogDir}
	if o.Ephemeral && o.PersistTo != "" {
		return nil, &UsageError{fmt.Errorf("--ephemeral and --persist-to exclude each other")}
	}
	if o.Ephemeral {
		o.PersistTo = filepath.Join(p.RunDir, "ephemeral-state")
	}
	if p.Answers, err = resolveAnswers(cp, o); err != nil {
		return nil, err
	}
	p.Services = append(p.Services, answersService(p.Answers))
	env := injectedEnv(cp)
	for _, name := range cp.ServiceNames() {
		s, err := cp.Expanded(name)
		if err != nil {
			return nil, &UsageError{err}
		}
		svc, err := childService(cp, name, s, env)
		if err != nil {
			return nil, &UsageError{err}
		}
		p.Services = append(p.Services, svc)
	}
	if err := p.enable(cp, o); err != nil {
		return nil, &UsageError{err}
	}
	p.Answers.CORSOrigins, p.Answers.CORSFrom, err = corsOrigins(cp, o, p.Answers.WranglerConfig)
	if err != nil {
		return nil, err
	}
	// Worker mode: the answers service becomes a child, once CORS is known.
	if p.Answers.Mode, err = answersMode(cp, o); err != nil {
		return nil, err
	}
	if p.Answers.Mode == ModeWorker {
		if p.Answers.KVLimits != "off" {
			return nil, &UsageError{fmt.Errorf("KV limits %q apply to arena-dev's own answers API, and the answers mode is worker: Miniflare under wrangler dev enforces none of them; use --answers go, or --kv-limits off", p.Answers.KVLimits)}
		}
		if err := checkWorkerNamespace(cp, p.Answers); err != nil {
			return nil, err
		}
		disabled, why := p.Services[0].Disabled, p.Services[0].DisabledWhy
		p.Services[0] = workerService(p.Root, p.Answers, env)
		p.Services[0].Disabled, p.Services[0].DisabledWhy = disabled, why
	}
	return p, nil
}

// load finds and reads arena-dev.toml (or the defaults); found says whether the
// root is a project (a file or the default layout) rather than just o.Dir.
func load(o Options) (cp *config.Project, found bool, err error) {
	if o.File != "" {
		abs, err := filepath.Abs(o.File)
		if err != nil {
			return nil, false, err
		}
		cp, err = config.Load(filepath.Dir(abs), abs, true)
		return cp, true, err
	}
	root, hasFile, err := FindRoot(o.Dir)
	if err != nil {
		return nil, false, err
	}
	cp, err = config.Load(root, filepath.Join(root, config.FileName), false)
	return cp, hasFile || IsDefaultLayout(root), err
}

// resolveAnswers resolves the API's namespace as `wrangler dev` would for the
// Worker: namespace_id when set, else the binding's preview_id, id, or name; state
// in --persist-to, else persist_to, else .wrangler/state beside the Worker's config.
func resolveAnswers(cp *config.Project, o Options) (Answers, error) {
	a := cp.File.Answers
	persist := cp.PersistRoot()
	if o.PersistTo != "" {
		abs, err := filepath.Abs(filepath.Join(o.Dir, o.PersistTo))
		if filepath.IsAbs(o.PersistTo) {
			abs, err = filepath.Clean(o.PersistTo), nil
		}
		if err != nil {
			return Answers{}, err
		}
		persist = abs
	}
	ns, err := wrangler.Resolve(wrangler.Target{
		Dir:        cp.Dir,
		ConfigPath: cp.WranglerConfigPath(),
		Selection:  wrangler.Selection{NamespaceID: a.NamespaceID},
		// As `wrangler dev` does for a Worker, a binding its config lacks is its own name.
		DefaultBinding: a.Binding,
		PersistTo:      persist,
		Dev:            true,
	})
	if err != nil {
		return Answers{}, err
	}
	mode, delay, err := Consistency(a.KVConsistency, time.Duration(a.KVPropagationDelay), o.KVConsistency, o.KVPropagationDelay)
	if err != nil {
		return Answers{}, &UsageError{err}
	}
	limits, err := Limits(a.KVLimits, o.KVLimits)
	if err != nil {
		return Answers{}, &UsageError{err}
	}
	out := Answers{
		KVConsistency: mode, KVPropagationDelay: delay, KVLimits: limits,
		Host: a.Host, Port: a.Port, URL: cp.AnswersURL(),
		NamespaceID: ns.ID, PersistRoot: ns.PersistRoot,
		Seed: a.Seed == nil || *a.Seed, Ephemeral: o.Ephemeral,
	}
	if ns.Config != nil {
		out.WranglerConfig = ns.Config.Path
	}
	return out, nil
}

func answersService(a Answers) Service {
	return Service{
		Name: AnswersService, InProcess: true, Port: a.Port, URL: a.URL,
		Restart: RestartOnFailure, MaxRestarts: DefaultMaxRestarts,
		Backoff: DefaultBackoff, BackoffMax: DefaultBackoffMax, Window: DefaultWindow,
		StopTimeout: DefaultStopTimeout,
		Probe:       Probe{Kind: ProbeNone, Interval: DefaultProbeInterval, Timeout: DefaultProbeTimeout},
	}
}

// injectedEnv is what every child gets from arena-dev: where the API and PartyKit
// are, and the switches that keep child tools from phoning home.
func injectedEnv(cp *config.Project) []string {
	env := []string{
		"PUBLIC_ANSWERS_URL=" + cp.AnswersURL(),
		"ASTRO_TELEMETRY_DISABLED=1",
		"ASTRO_DISABLE_UPDATE_CHECK=true", // must be exactly "true"
		"NO_UPDATE_NOTIFIER=1",            // partykit's daily update check escapes group kills
		"WRANGLER_SEND_METRICS=false",
		"DO_NOT_TRACK=1",
		"NEXT_TELEMETRY_DISABLED=1",
	}
	if pk, ok := cp.File.Services["partykit"]; ok && pk.Port != 0 {
		env = append(env, fmt.Sprintf("PUBLIC_PARTYKIT_HOST=127.0.0.1:%d", pk.Port))
	}
	return env
}

// childService resolves one supervised service (s is already expanded). Its env
// is what arena-dev injects, PORT, its env_file entries in order, then its env.
func childService(cp *config.Project, name string, s config.Service, injected []string) (Service, error) {
	out := Service{
		Name:        name,
		Command:     s.Command,
		Dir:         cp.Resolve(s.Dir),
		Port:        s.Port,
		URL:         s.URL,
		DependsOn:   append([]string(nil), s.DependsOn...),
		Restart:     restartPolicy(s.Restart.Policy),
		MaxRestarts: DefaultMaxRestarts,
		Backoff:     orDefault(s.Restart.Backoff, DefaultBackoff),
		BackoffMax:  orDefault(s.Restart.BackoffMax, DefaultBackoffMax),
		Window:      orDefault(s.Restart.Window, DefaultWindow),
		StopTimeout: orDefault(s.StopTimeout, DefaultStopTimeout),
		Probe:       probe(s.Ready, s.Port),
	}
	if s.Restart.MaxRestarts != nil {
		out.MaxRestarts = *s.Restart.MaxRestarts
		if out.MaxRestarts == 0 { // "never restart", said as a limit
			out.Restart = RestartNo
		}
	}
	if s.Shell != "" {
		out.Command, out.Shell = []string{s.Shell}, true
	}
	out.Watch, out.Ignore, out.Cascade = s.Watch, s.Ignore, s.Cascade
	out.Env = append(append([]string(nil), injected...), fmt.Sprintf("PORT=%d", s.Port))
	for _, f := range s.EnvFile {
		out.EnvFiles = append(out.EnvFiles, cp.Resolve(f))
		vars, err := dotenv.Read(cp.Resolve(f))
		if err != nil {
			return Service{}, fmt.Errorf("services.%s.env_file: %w", name, err)
		}
		for _, v := range vars {
			out.Env = append(out.Env, v.Key+"="+v.Value)
		}
	}
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Env = append(out.Env, k+"="+s.Env[k])
	}
	return out, nil
}

func restartPolicy(p config.Policy) RestartPolicy {
	switch p {
	case "no":
		return RestartNo
	case "always":
		return RestartAlways
	}
	return RestartOnFailure
}

// probe builds the readiness check; a service with a port and no probe is ready
// when the port accepts connections, not merely when it was started.
func probe(r config.Ready, port int) Probe {
	pr := Probe{
		Interval: orDefault(r.Interval, DefaultProbeInterval),
		Timeout:  orDefault(r.Timeout, DefaultProbeTimeout),
	}
	switch {
	case r.HTTP != "":
		pr.Kind, pr.URL = ProbeHTTP, r.HTTP
	case r.TCP != "":
		pr.Kind, pr.Address = ProbeTCP, r.TCP
	case r.Log.Regexp != nil:
		pr.Kind, pr.Pattern = ProbeLog, r.Log.Regexp
	case port != 0:
		pr.Kind, pr.Address = ProbeTCP, fmt.Sprintf("127.0.0.1:%d", port)
	}
	return pr
}

func orDefault(d config.Duration, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// autoPorts gives every service that has a port, and no --port, its port in
// from or else a free one.
func autoPorts(cp *config.Project, ports, from map[string]int) error {
	var want []string
	pick := func(n string) {
		if _, set := ports[n]; set {
			return
		}
		if p, ok := from[n]; ok {
			ports[n] = p
			return
		}
		want = append(want, n)
	}
	pick(AnswersService)
	for _, n := range cp.ServiceNames() {
		if cp.File.Services[n].Port != 0 {
			pick(n)
		}
	}
	free, err := freeport.Pick(len(want))
	if err != nil {
		return err
	}
	for i, n := range want {
		ports[n] = free[i]
	}
	return nil
}
