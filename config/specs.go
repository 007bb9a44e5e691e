package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/orchestrate"
)

var varRef = regexp.MustCompile(`\$\{([A-Za-z0-9_]*)\}`)

// AnswersURL is where the in-process API serves, as children should reach it.
func (p *Project) AnswersURL() string {
	host := p.File.Answers.Host
	if host == "0.0.0.0" || host == "::" || host == "" {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s:%d", host, p.File.Answers.Port)
}

// vars are the ${NAME} values a service's fields may use.
func (p *Project) vars(self Service) map[string]string {
	v := map[string]string{
		"PROJECT_DIR":  p.Dir,
		"ANSWERS_URL":  p.AnswersURL(),
		"ANSWERS_PORT": strconv.Itoa(p.File.Answers.Port),
	}
	for name, s := range p.File.Services {
		up := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		v[up+"_PORT"] = strconv.Itoa(s.Port)
		v[up+"_URL"] = serviceURL(s)
	}
	v["PORT"] = strconv.Itoa(self.Port)
	return v
}

func serviceURL(s Service) string {
	if s.URL != "" || s.Port == 0 {
		return s.URL
	}
	return fmt.Sprintf("http://127.0.0.1:%d", s.Port)
}

// expandService returns s with every ${NAME} replaced; an unknown name is an error.
func (p *Project) expandService(name string, s Service) (Service, error) {
	vars := p.vars(s)
	key := "services." + name
	var err error
	expand := func(field, in string) string {
		return varRef.ReplaceAllStringFunc(in, func(m string) string {
			n := m[2 : len(m)-1]
			val, ok := vars[n]
			if !ok && err == nil {
				known := make([]string, 0, len(vars))
				for k := range vars {
					known = append(known, k)
				}
				sort.Strings(known)
				err = p.errAt(key+"."+field, "unknown variable ${%s} (have %s)", n, strings.Join(known, ", "))
			}
			return val
		})
	}
	out := s
	out.Command = make([]string, len(s.Command))
	for i, a := range s.Command {
		out.Command[i] = expand("command", a)
	}
	out.Shell = expand("shell", s.Shell)
	out.Dir = expand("dir", s.Dir)
	out.URL = expand("url", serviceURL(s))
	out.Ready.HTTP = expand("ready.http", s.Ready.HTTP)
	out.Ready.TCP = expand("ready.tcp", s.Ready.TCP)
	out.Env = make(map[string]string, len(s.Env))
	for k, val := range s.Env {
		out.Env[k] = expand("env."+k, val)
	}
	return out, err
}

// InjectedEnv is what every child gets from arena-dev: where the API and PartyKit
// are, and the switches that keep child tools from phoning home.
func (p *Project) InjectedEnv() []string {
	env := []string{
		"PUBLIC_ANSWERS_URL=" + p.AnswersURL(),
		"ASTRO_TELEMETRY_DISABLED=1",
		"ASTRO_DISABLE_UPDATE_CHECK=true", // must be exactly "true"
		"NO_UPDATE_NOTIFIER=1",            // partykit's daily update check escapes group kills
		"WRANGLER_SEND_METRICS=false",
		"DO_NOT_TRACK=1",
		"NEXT_TELEMETRY_DISABLED=1",
	}
	if pk, ok := p.File.Services["partykit"]; ok && pk.Port != 0 {
		env = append(env, fmt.Sprintf("PUBLIC_PARTYKIT_HOST=127.0.0.1:%d", pk.Port))
	}
	return env
}

// Specs turns the supervised services into orchestrate specs (the answers API is
// added by the caller, which owns its in-process Run function).
func (p *Project) Specs() ([]orchestrate.ServiceSpec, error) {
	var specs []orchestrate.ServiceSpec
	for _, name := range p.ServiceNames() {
		s, err := p.expandService(name, p.File.Services[name])
		if err != nil {
			return nil, err
		}
		spec := orchestrate.ServiceSpec{
			Name:        name,
			Command:     s.Command,
			Dir:         p.resolve(s.Dir),
			Port:        s.Port,
			URL:         s.URL,
			DependsOn:   s.DependsOn,
			Restart:     restartPolicy(s.Restart.Policy),
			MaxRestarts: orchestrate.DefaultMaxRestarts,
			Backoff:     orDefault(s.Restart.Backoff, orchestrate.DefaultBackoff),
			BackoffMax:  orDefault(s.Restart.BackoffMax, orchestrate.DefaultBackoffMax),
			Window:      orDefault(s.Restart.Window, orchestrate.DefaultWindow),
			StopTimeout: orDefault(s.StopTimeout, orchestrate.DefaultStopTimeout),
			Probe:       probe(s.Ready, s.Port),
		}
		if s.Restart.MaxRestarts != nil {
			spec.MaxRestarts = *s.Restart.MaxRestarts
			if spec.MaxRestarts == 0 { // orchestrate reads 0 as "the default"
				spec.Restart = orchestrate.RestartNo
			}
		}
		if s.Shell != "" {
			spec.Command, spec.Shell = []string{s.Shell}, true
		}
		spec.Env = append(p.InjectedEnv(), fmt.Sprintf("PORT=%d", s.Port))
		keys := make([]string, 0, len(s.Env))
		for k := range s.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			spec.Env = append(spec.Env, k+"="+s.Env[k])
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

func (p *Project) resolve(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(p.Dir, dir)
}

func restartPolicy(p Policy) orchestrate.RestartPolicy {
	switch p {
	case "no":
		return orchestrate.RestartNo
	case "always":
		return orchestrate.RestartAlways
	}
	return orchestrate.RestartOnFailure
}

// probe builds the readiness check; a service with a port and no probe is ready
// when the port accepts connections, not merely when it was started.
func probe(r Ready, port int) orchestrate.Probe {
	pr := orchestrate.Probe{
		Interval: orDefault(r.Interval, orchestrate.DefaultProbeInterval),
		Timeout:  orDefault(r.Timeout, defaultReadyWithin),
	}
	switch {
	case r.HTTP != "":
		pr.Kind, pr.URL = orchestrate.ProbeHTTP, r.HTTP
	case r.TCP != "":
		pr.Kind, pr.Address = orchestrate.ProbeTCP, r.TCP
	case r.Log.Regexp != nil:
		pr.Kind, pr.Pattern = orchestrate.ProbeLog, r.Log.Regexp
	case port != 0:
		pr.Kind, pr.Address = orchestrate.ProbeTCP, fmt.Sprintf("127.0.0.1:%d", port)
	}
	return pr
}

// PersistRoot is the KV persist root: persist_to when set (relative to the project),
// otherwise "" so the caller resolves wrangler's default from the wrangler config.
func (p *Project) PersistRoot() string {
	if p.File.Answers.PersistTo == "" {
		return ""
	}
	return p.resolve(p.File.Answers.PersistTo)
}

// WranglerConfigPath is the wrangler.toml the answers namespace is resolved from, or "".
func (p *Project) WranglerConfigPath() string {
	if p.File.Answers.WranglerConfig == "" {
		return ""
	}
	return p.resolve(p.File.Answers.WranglerConfig)
}
