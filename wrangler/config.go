// Package wrangler reads the parts of a wrangler configuration that arena-dev
// needs — the KV namespace bindings — and resolves, exactly as wrangler does,
// which config file applies, which namespace id a binding means and where local
// state is persisted.
package wrangler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// KVNamespace is one entry of the config's kv_namespaces.
type KVNamespace struct {
	Binding   string `json:"binding" toml:"binding"`
	ID        string `json:"id" toml:"id"`
	PreviewID string `json:"preview_id" toml:"preview_id"`
}

// Config is the subset of a wrangler config arena-dev reads.
type Config struct {
	Path         string        `json:"-" toml:"-"` // absolute path of the file it came from
	KVNamespaces []KVNamespace `json:"kv_namespaces" toml:"kv_namespaces"`
	// Vars are the Worker's [vars]: strings, or JSON values that wrangler passes on
	// as JSON.
	Vars map[string]any `json:"vars" toml:"vars"`
	// Env is wrangler's [env.NAME] sections. An environment does not inherit
	// kv_namespaces or vars from the top level (wrangler's "non-inheritable keys"),
	// so ForEnv replaces them rather than merging.
	Env map[string]*EnvConfig `json:"env" toml:"env"`
	// EnvName is the environment ForEnv selected ("" = the top level).
	EnvName string `json:"-" toml:"-"`
}

// EnvConfig is the part of an [env.NAME] section arena-dev reads.
type EnvConfig struct {
	KVNamespaces []KVNamespace  `json:"kv_namespaces" toml:"kv_namespaces"`
	Vars         map[string]any `json:"vars" toml:"vars"`
}

// ForEnv is the config as `wrangler --env name` sees it: the [env.name] section's
// kv_namespaces and vars in place of the top level's. "" is the top level itself,
// as with wrangler's --env="". An environment the file lacks is a usage error, as
// in wrangler ("No environment found in configuration with name ...").
func (c *Config) ForEnv(name string) (*Config, error) {
	if name == "" {
		return c, nil
	}
	e, ok := c.Env[name]
	if !ok {
		return nil, &UsageError{fmt.Sprintf("--env %s: no environment %q in %s (add an [env.%s] section, or use one of: %v)", name, name, c.Path, name, c.EnvNames())}
	}
	if e == nil {
		e = &EnvConfig{}
	}
	return &Config{Path: c.Path, KVNamespaces: e.KVNamespaces, Vars: e.Vars, Env: c.Env, EnvName: name}, nil
}

// EnvNames lists the configured environments, sorted.
func (c *Config) EnvNames() []string {
	names := make([]string, 0, len(c.Env))
	for n := range c.Env {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// where names the config in messages: the file, and the environment if any.
func (c *Config) where() string {
	if c.EnvName == "" {
		return c.Path
	}
	return fmt.Sprintf("[env.%s] of %s", c.EnvName, c.Path)
}

func (e *EnvConfig) kvNamespaces() []KVNamespace {
	if e == nil {
		return nil
	}
	return e.KVNamespaces
}

// configNames are searched in this order, each all the way up from the start
// directory before the next (wrangler's findWranglerConfig: a wrangler.json in a
// parent wins over a wrangler.toml beside you).
var configNames = []string{"wrangler.json", "wrangler.jsonc", "wrangler.toml"}

// FindConfig returns the wrangler config file that applies in dir, or "" when
// there is none.
func FindConfig(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, name := range configNames {
		for d := abs; ; {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return p, nil
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return "", nil
}

// LoadConfig parses a wrangler.toml, wrangler.json or wrangler.jsonc file. A file
// that does not parse or lacks a binding name is a *UsageError (bad configuration).
func LoadConfig(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("reading wrangler config: %w", err)
	}
	cfg := &Config{}
	switch strings.ToLower(filepath.Ext(abs)) {
	case ".toml":
		if err := toml.Unmarshal(data, cfg); err != nil {
			var de *toml.DecodeError
			if errors.As(err, &de) {
				line, col := de.Position()
				return nil, &UsageError{fmt.Sprintf("%s:%d:%d: %s", abs, line, col, de.Error())}
			}
			return nil, &UsageError{fmt.Sprintf("%s: %v", abs, err)}
		}
	case ".json", ".jsonc":
		dec := json.NewDecoder(bytes.NewReader(stripJSONC(data)))
		if err := dec.Decode(cfg); err != nil {
			return nil, &UsageError{fmt.Sprintf("%s: %v", abs, err)}
		}
	default:
		return nil, &UsageError{fmt.Sprintf("%s: not a wrangler config (want .toml, .json or .jsonc)", abs)}
	}
	for i, ns := range cfg.KVNamespaces {
		if ns.Binding == "" {
			return nil, &UsageError{fmt.Sprintf("%s: kv_namespaces[%d] has no \"binding\"", abs, i)}
		}
	}
	for name, e := range cfg.Env {
		for i, ns := range e.kvNamespaces() {
			if ns.Binding == "" {
				return nil, &UsageError{fmt.Sprintf("%s: env.%s.kv_namespaces[%d] has no \"binding\"", abs, name, i)}
			}
		}
	}
	cfg.Path = abs
	return cfg, nil
}

// stripJSONC removes // and /* */ comments, then trailing commas, outside strings,
// turning JSONC into JSON. Removed bytes become spaces so offsets stay put.
func stripJSONC(in []byte) []byte {
	out := append([]byte(nil), in...)
	walkOutsideStrings(out, func(i int) int {
		switch {
		case out[i] == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
			return i
		case out[i] == '/' && i+1 < len(out) && out[i+1] == '*':
			for ; i < len(out) && !(out[i] == '*' && i+1 < len(out) && out[i+1] == '/'); i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
			for k := i; k < len(out) && k < i+2; k++ {
				out[k] = ' '
			}
			return i + 1
		}
		return i
	})
	walkOutsideStrings(out, func(i int) int {
		if out[i] == ',' {
			j := i + 1
			for j < len(out) && (out[j] == ' ' || out[j] == '\t' || out[j] == '\n' || out[j] == '\r') {
				j++
			}
			if j < len(out) && (out[j] == '}' || out[j] == ']') {
				out[i] = ' '
			}
		}
		return i
	})
	return out
}

// walkOutsideStrings calls f for each byte index outside JSON strings; f returns
// the last index it consumed.
func walkOutsideStrings(b []byte, f func(i int) int) {
	inString := false
	for i := 0; i < len(b); i++ {
		switch {
		case inString && b[i] == '\\':
			i++
		case inString && b[i] == '"':
			inString = false
		case inString:
		case b[i] == '"':
			inString = true
		default:
			i = f(i)
		}
	}
}
