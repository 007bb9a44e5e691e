package wrangler

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Selection is how a kv command names its namespace, with wrangler's flags.
type Selection struct {
	NamespaceID string // --namespace-id
	Binding     string // --binding
	Preview     *bool  // --preview / --preview false; nil when not given
}

// ErrNoNamespace is returned when neither --namespace-id nor --binding is given.
var ErrNoNamespace = errors.New("specify --namespace-id or --binding")

// UsageError marks a wrong flag, a namespace the flags cannot resolve, or a bad
// wrangler config (exit status 2 in the CLI).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ResolveKVNamespaceID is wrangler's getKVNamespaceId for `wrangler kv key ...
// --local`: --namespace-id as given; else the binding's preview_id with --preview,
// its id with --preview false, the only one set when just one is; both set and no
// --preview is an error. cfg may be nil (no config file found).
func ResolveKVNamespaceID(sel Selection, cfg *Config) (string, error) {
	switch {
	case sel.NamespaceID != "" && sel.Binding != "":
		return "", &UsageError{"--binding and --namespace-id cannot be used together; give only one"}
	case sel.NamespaceID != "":
		return sel.NamespaceID, nil
	case sel.Binding == "":
		return "", &UsageError{ErrNoNamespace.Error()}
	case cfg == nil:
		return "", &UsageError{"cannot resolve --binding without a wrangler config file (wrangler.toml, wrangler.json or wrangler.jsonc; see --config); use --namespace-id instead"}
	case len(cfg.KVNamespaces) == 0:
		return "", &UsageError{fmt.Sprintf("no KV namespaces are configured in %s; use --namespace-id, or add a \"kv_namespaces\" entry", cfg.where())}
	}
	ns, ok := cfg.binding(sel.Binding)
	if !ok {
		return "", &UsageError{fmt.Sprintf("no KV namespace with binding %q in the \"kv_namespaces\" of %s (bindings there: %v); check the name or use --namespace-id", sel.Binding, cfg.where(), cfg.bindingNames())}
	}
	if sel.Preview != nil && *sel.Preview {
		if ns.PreviewID == "" {
			return "", &UsageError{fmt.Sprintf("no preview namespace id is configured for binding %q in %s: add a \"preview_id\", or use --namespace-id", sel.Binding, cfg.where())}
		}
		return ns.PreviewID, nil
	}
	if sel.Preview != nil {
		if ns.ID == "" {
			return "", &UsageError{fmt.Sprintf("no namespace id is configured for binding %q in %s: add an \"id\", or use --namespace-id", sel.Binding, cfg.where())}
		}
		return ns.ID, nil
	}
	switch {
	case ns.ID != "" && ns.PreviewID == "":
		return ns.ID, nil
	case ns.ID == "" && ns.PreviewID != "":
		return ns.PreviewID, nil
	case ns.ID == "" && ns.PreviewID == "":
		return "", &UsageError{fmt.Sprintf("binding %q in %s has neither \"id\" nor \"preview_id\"; add one, or use --namespace-id", sel.Binding, cfg.where())}
	}
	return "", &UsageError{fmt.Sprintf("the binding %q has both an \"id\" and a \"preview_id\" in %s: pass --preview for the preview namespace, or --preview=false for the production one", sel.Binding, cfg.where())}
}

// DevNamespaceID is the namespace id `wrangler dev` gives a binding locally:
// preview_id, else id, else the binding name itself (also when the config or the
// binding is absent).
func DevNamespaceID(cfg *Config, binding string) string {
	if cfg != nil {
		if ns, ok := cfg.binding(binding); ok {
			if ns.PreviewID != "" {
				return ns.PreviewID
			}
			if ns.ID != "" {
				return ns.ID
			}
		}
	}
	return binding
}

// PersistRoot is wrangler's local persistence path: --persist-to resolved against
// cwd; else .wrangler/state beside the config file; else in cwd.
func PersistRoot(persistTo string, cfg *Config, cwd string) string {
	if persistTo != "" {
		if filepath.IsAbs(persistTo) {
			return filepath.Clean(persistTo)
		}
		return filepath.Join(cwd, persistTo)
	}
	if cfg != nil && cfg.Path != "" {
		return filepath.Join(filepath.Dir(cfg.Path), ".wrangler", "state")
	}
	return filepath.Join(cwd, ".wrangler", "state")
}

// Binding returns the kv_namespaces entry with this binding name.
func (c *Config) Binding(name string) (KVNamespace, bool) { return c.binding(name) }

// BindingNames lists the configured KV binding names.
func (c *Config) BindingNames() []string { return c.bindingNames() }

func (c *Config) binding(name string) (KVNamespace, bool) {
	for _, ns := range c.KVNamespaces {
		if ns.Binding == name {
			return ns, true
		}
	}
	return KVNamespace{}, false
}

func (c *Config) bindingNames() []string {
	var out []string
	for _, ns := range c.KVNamespaces {
		out = append(out, ns.Binding)
	}
	return out
}
