package wrangler

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/internal/dotenv"
)

// Target says which KV namespace a command means, with wrangler's own inputs. Every
// arena-dev command that opens a namespace resolves it through Resolve: up's
// answers service, serve, seed, kv and compose.
type Target struct {
	Dir        string // where the command runs: the upward config search and a relative PersistTo start here
	ConfigPath string // --config, or the project's wrangler_config; "" = search upward from Dir
	Selection         // --namespace-id, --binding, --preview
	Env        string // --env: the config's [env.NAME] section; "" = the top level
	PersistTo  string // --persist-to; "" = .wrangler/state beside the config, else in Dir
	// Dev resolves like `wrangler dev` for a Worker's binding (preview_id, else
	// id, else the binding name itself, also with no config) instead of like
	// `wrangler kv` (which insists on a config and an unambiguous id).
	Dev bool
	// DefaultBinding is the binding meant when neither --binding nor
	// --namespace-id is given ("" = one of them is required, as in wrangler kv).
	DefaultBinding string
}

// Namespace is a resolved target: the namespace id, the persist root (absolute)
// and the config it came from (nil when there is none).
type Namespace struct {
	ID          string
	PersistRoot string
	Config      *Config
}

// Resolve finds the config, the namespace id and the persist root of t.
func Resolve(t Target) (Namespace, error) {
	dir, err := filepath.Abs(t.Dir)
	if err != nil {
		return Namespace{}, err
	}
	cfg, err := loadFor(t.ConfigPath, dir)
	if err != nil {
		return Namespace{}, err
	}
	if cfg != nil {
		if cfg, err = cfg.ForEnv(t.Env); err != nil {
			return Namespace{}, err
		}
	} else if t.Env != "" && t.NamespaceID == "" {
		// Only --namespace-id does without a config; wrangler says so too.
		return Namespace{}, &UsageError{fmt.Sprintf("--env %s: no wrangler config (wrangler.toml, wrangler.json or wrangler.jsonc) here or above; see --config", t.Env)}
	}
	var id string
	if t.Dev && t.NamespaceID == "" && t.Preview == nil {
		binding := t.Binding
		if binding == "" {
			binding = t.DefaultBinding
		}
		if binding == "" {
			return Namespace{}, &UsageError{ErrNoNamespace.Error()}
		}
		if _, ok := cfg.lookup(t.Binding); t.Binding != "" && cfg != nil && !ok {
			// Only the default binding may fall back to its own name: a typo in an
			// explicit one must not quietly open a new, empty namespace.
			return Namespace{}, &UsageError{fmt.Sprintf("no KV namespace with binding %q in the \"kv_namespaces\" of %s (bindings there: %v); check the name or use --namespace-id", t.Binding, cfg.where(), cfg.BindingNames())}
		}
		id = DevNamespaceID(cfg, binding)
	} else {
		sel := t.Selection
		if sel.Binding == "" && sel.NamespaceID == "" {
			sel.Binding = t.DefaultBinding
		}
		if id, err = ResolveKVNamespaceID(sel, cfg); err != nil {
			return Namespace{}, err
		}
	}
	return Namespace{ID: id, PersistRoot: PersistRoot(t.PersistTo, cfg, dir), Config: cfg}, nil
}

// loadFor loads explicit, or the config found upward from dir; nil when there is
// none (only an explicit path must exist).
func loadFor(explicit, dir string) (*Config, error) {
	path := explicit
	if path == "" {
		found, err := FindConfig(dir)
		if err != nil || found == "" {
			return nil, err
		}
		path = found
	} else if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, &UsageError{fmt.Sprintf("wrangler config %s does not exist", path)}
	} else if err != nil {
		return nil, fmt.Errorf("wrangler config %s: %w", path, err)
	}
	return LoadConfig(path)
}

// DevVarsFile is wrangler dev's file of local overrides for [vars], beside the config.
const DevVarsFile = ".dev.vars"

// Var is the value `wrangler dev` gives the Worker's variable name, and where it
// comes from: .dev.vars beside the config wins over [vars], as in wrangler dev.
// A [vars] value that is not a string is its JSON text. ok is false when neither
// sets it (or cfg is nil).
func (c *Config) Var(name string) (value, from string, ok bool, err error) {
	if c == nil {
		return "", "", false, nil
	}
	dev := filepath.Join(filepath.Dir(c.Path), DevVarsFile)
	vars, err := dotenv.Read(dev)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return "", "", false, err
	default:
		for i := len(vars) - 1; i >= 0; i-- {
			if vars[i].Key == name {
				return vars[i].Value, fmt.Sprintf("%s:%d", dev, vars[i].Line), true, nil
			}
		}
	}
	v, ok := c.Vars[name]
	if !ok {
		return "", "", false, nil
	}
	if s, isString := v.(string); isString {
		return s, c.Path + " [vars]", true, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", "", false, fmt.Errorf("%s: [vars] %s: %w", c.Path, name, err)
	}
	return string(b), c.Path + " [vars]", true, nil
}

// lookup is Binding on a config that may be nil.
func (c *Config) lookup(name string) (KVNamespace, bool) {
	if c == nil {
		return KVNamespace{}, false
	}
	return c.binding(name)
}
