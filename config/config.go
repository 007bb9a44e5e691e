// Package config loads arena-dev.toml, the project file that says how the stack runs:
// the answers API and its KV namespace, and each supervised service (command, dir,
// env, port, readiness probe, dependencies, restart policy). Without a file the
// defaults describe the Sommelier Arena layout. Every error names the file and line.
package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// FileName is the project file arena-dev looks for.
const FileName = "arena-dev.toml"

// Answers modes: who serves the API.
const (
	ModeGo     = "go"
	ModeWorker = "worker"
)

// AnswersService is the name of the in-process answers API service.
const AnswersService = "answers"

// File is arena-dev.toml as written.
type File struct {
	// Watch: `up` follows arena-dev.toml, env files, .dev.vars and the wrangler
	// config and applies every valid edit to the running stack (as `up --watch`).
	Watch    bool               `toml:"watch"`
	Answers  Answers            `toml:"answers"`
	Services map[string]Service `toml:"services"`
}

// Answers configures the in-process wine-answers API and its KV namespace.
type Answers struct {
	Host           string   `toml:"host"`
	Port           int      `toml:"port"`
	Mode           string   `toml:"mode"`            // "go" (default): arena-dev serves it; "worker": `wrangler dev` of wrangler_config's Worker
	WranglerConfig string   `toml:"wrangler_config"` // resolves binding and the default persist root
	Binding        string   `toml:"binding"`
	NamespaceID    string   `toml:"namespace_id"` // wins over binding, as in wrangler
	PersistTo      string   `toml:"persist_to"`
	CORSOrigins    []string `toml:"cors_origins"` // unset: the Worker's CORS_ORIGINS (.dev.vars, [vars]); ${VAR}s expand
	Seed           *bool    `toml:"seed"`         // seed an empty namespace at start; default true
	// KVConsistency is "strong" (default) or "edge": per-location caches, stale up
	// to KVPropagationDelay (default 60s), as production KV (see docs/consistency.md).
	KVConsistency      string   `toml:"kv_consistency"`
	KVPropagationDelay Duration `toml:"kv_propagation_delay"`
	// KVLimits is "off" (default), "production" (one write a second per key, as
	// production KV refuses more) or "free" (also the free plan's daily quotas).
	KVLimits string `toml:"kv_limits"`
}

// Service is one supervised child process.
type Service struct {
	Command     []string          `toml:"command"` // argv, no shell
	Shell       string            `toml:"shell"`   // a /bin/sh -c line, only when asked for
	Dir         string            `toml:"dir"`
	Env         map[string]string `toml:"env"`
	Port        int               `toml:"port"`
	URL         string            `toml:"url"`
	DependsOn   []string          `toml:"depends_on"`
	Ready       Ready             `toml:"ready"`
	Restart     Restart           `toml:"restart"`
	StopTimeout Duration          `toml:"stop_timeout"`
	// Disabled services are not started by `up` unless named (`up SVC`) or started
	// by hand; Profiles enable a service only with `up --profile NAME`.
	Disabled bool     `toml:"disabled"`
	Profiles []string `toml:"profiles"`
	// EnvFile are dotenv files (relative to the project), read in order; env wins.
	EnvFile []string `toml:"env_file"`
	// Watch are globs (relative to dir; ** spans directories) whose changes restart
	// the service under `up --watch`, for tools that do not reload themselves;
	// Ignore are globs excluded from them; Cascade also restarts its dependants.
	Watch   []string `toml:"watch"`
	Ignore  []string `toml:"ignore"`
	Cascade bool     `toml:"cascade"`
}

// Ready is a readiness probe: exactly one of HTTP, TCP or Log (a regexp).
type Ready struct {
	HTTP     string   `toml:"http"`
	TCP      string   `toml:"tcp"`
	Log      Regexp   `toml:"log"`
	Interval Duration `toml:"interval"`
	Timeout  Duration `toml:"timeout"`
}

// Restart is a restart policy with its limits.
type Restart struct {
	Policy      Policy   `toml:"policy"`
	MaxRestarts *int     `toml:"max_restarts"`
	Backoff     Duration `toml:"backoff"`
	BackoffMax  Duration `toml:"backoff_max"`
	Window      Duration `toml:"window"`
}

// Project is a loaded configuration and where it came from.
type Project struct {
	Dir  string // project root: the directory of arena-dev.toml, or the one asked for
	Path string // the file read; "" when the defaults were used
	File File
	pos  positions
}

// Load reads path, or returns the defaults for dir when path does not exist and
// mustExist is false.
func Load(dir, path string, mustExist bool) (*Project, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !mustExist {
		p := &Project{Dir: dir, File: Defaults(dir)}
		return p, p.validate()
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(dir, path, data)
}

// Parse decodes and validates arena-dev.toml content; path is only for messages.
func Parse(dir, path string, data []byte) (*Project, error) {
	var f File
	dec := toml.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, decodeError(path, err)
	}
	pos, err := indexPositions(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &Project{Dir: dir, Path: path, File: f, pos: pos}
	p.applyDefaults()
	return p, p.validate()
}

func decodeError(path string, err error) error {
	var se *toml.StrictMissingError
	if errors.As(err, &se) && len(se.Errors) > 0 {
		lines := make([]string, 0, len(se.Errors))
		for _, e := range se.Errors {
			row, col := e.Position()
			lines = append(lines, fmt.Sprintf("%s:%d:%d: unknown key %q", path, row, col, strings.Join(e.Key(), ".")))
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if k := de.Key(); len(k) > 0 {
			msg = fmt.Sprintf("%s: %s", strings.Join(k, "."), msg)
		}
		return fmt.Errorf("%s:%d:%d: %s", path, row, col, msg)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// ServiceNames lists the supervised services in a stable order.
func (p *Project) ServiceNames() []string {
	names := make([]string, 0, len(p.File.Services))
	for n := range p.File.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrAt formats an error for a key path ("services.web.depends_on"), with its
// line when the file has one: the model's own checks name lines through it.
func (p *Project) ErrAt(key, format string, args ...any) error { return p.errAt(key, format, args...) }

// errAt formats an error for a key path, with its line when the file has one.
func (p *Project) errAt(key, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if p.Path == "" {
		return fmt.Errorf("default configuration: %s: %s", key, msg)
	}
	if line, ok := p.pos.line(key); ok {
		return fmt.Errorf("%s:%d: %s: %s", p.Path, line, key, msg)
	}
	return fmt.Errorf("%s: %s: %s", p.Path, key, msg)
}
