package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
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

// Expanded returns the named service with every ${NAME} in its fields replaced
// (validation has already rejected unknown names).
func (p *Project) Expanded(name string) (Service, error) {
	return p.expandService(name, p.File.Services[name])
}

// Resolve makes a path from the file absolute against the project directory.
func (p *Project) Resolve(path string) string { return p.resolve(path) }

// expandService returns s with every ${NAME} replaced; an unknown name is an error.
func (p *Project) expandService(name string, s Service) (Service, error) {
	key := "services." + name
	var err error
	expand := p.expander(p.vars(s), key, &err)
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
	out.EnvFile = make([]string, len(s.EnvFile))
	for i, f := range s.EnvFile {
		out.EnvFile[i] = expand("env_file", f)
	}
	out.Env = make(map[string]string, len(s.Env))
	for k, val := range s.Env {
		out.Env[k] = expand("env."+k, val)
	}
	return out, err
}

func (p *Project) resolve(dir string) string {
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(p.Dir, dir)
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

// expander replaces ${NAME}s from vars; the first unknown name sets *err, naming
// key.field and its line.
func (p *Project) expander(vars map[string]string, key string, err *error) func(field, in string) string {
	return func(field, in string) string {
		return varRef.ReplaceAllStringFunc(in, func(m string) string {
			n := m[2 : len(m)-1]
			val, ok := vars[n]
			if !ok && *err == nil {
				known := make([]string, 0, len(vars))
				for k := range vars {
					known = append(known, k)
				}
				sort.Strings(known)
				*err = p.errAt(key+"."+field, "unknown variable ${%s} (have %s)", n, strings.Join(known, ", "))
			}
			return val
		})
	}
}

// CORSOrigins is answers.cors_origins with ${NAME}s replaced (${PORT} is the
// API's own); nil when the file does not set it.
func (p *Project) CORSOrigins() ([]string, error) {
	in := p.File.Answers.CORSOrigins
	if in == nil {
		return nil, nil
	}
	var err error
	expand := p.expander(p.vars(Service{Port: p.File.Answers.Port}), "answers", &err)
	out := make([]string, len(in))
	for i, o := range in {
		out[i] = expand("cors_origins", o)
	}
	return out, err
}
