package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/wrangler"
	"github.com/urfave/cli/v2"
)

// namespaceFlags are wrangler's flags for choosing a KV namespace and its local
// state; kv, serve and seed share them.
func namespaceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "namespace-id", Usage: "the KV namespace `ID` (as in wrangler's kv_namespaces)"},
		&cli.StringFlag{Name: "binding", Usage: "the KV binding `NAME`, resolved through the wrangler config"},
		&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "wrangler config `PATH` (default: wrangler.json, wrangler.jsonc or wrangler.toml found upwards from here)"},
		&cli.BoolFlag{Name: "preview", Usage: "use the binding's preview_id (--preview=false: its id)"},
		&cli.StringFlag{Name: "persist-to", Usage: "local state `DIR` (default: .wrangler/state beside the wrangler config, or here)"},
	}
}

// openNamespace opens the namespace chosen with wrangler's kv rules: --namespace-id,
// or --binding resolved through the config (--preview picks preview_id or id).
// Neither flag: a usage error. Errors come back as cli exit errors.
func openNamespace(c *cli.Context) (*emulator.Store, *emulator.Namespace, error) {
	return openNamespaceWith(c, "")
}

// openNamespaceDefault is openNamespace for commands that stand in for `wrangler
// dev` (serve, seed): without flags it takes defaultBinding, and a binding without
// --preview resolves as wrangler dev does (preview_id, else id, else the binding
// name itself, also when there is no config).
func openNamespaceDefault(c *cli.Context, defaultBinding string) (*emulator.Store, *emulator.Namespace, error) {
	return openNamespaceWith(c, defaultBinding)
}

func openNamespaceWith(c *cli.Context, defaultBinding string) (*emulator.Store, *emulator.Namespace, error) {
	root, id, err := resolveNamespace(c, defaultBinding)
	if err != nil {
		var ue *wrangler.UsageError
		if errors.As(err, &ue) {
			return nil, nil, cli.Exit(err.Error(), 2)
		}
		return nil, nil, cli.Exit(err.Error(), 1)
	}
	store, err := emulator.Open(root)
	if err != nil {
		return nil, nil, cli.Exit(err.Error(), 1)
	}
	ns, err := store.Namespace(id)
	if err != nil {
		store.Close()
		return nil, nil, cli.Exit(err.Error(), 1)
	}
	logger.Debug().Str("persist_root", root).Str("namespace_id", id).Str("database", ns.DatabasePath()).Msg("KV namespace opened")
	return store, ns, nil
}

// resolveNamespace returns the persist root and namespace id the flags select.
func resolveNamespace(c *cli.Context, defaultBinding string) (root, id string, err error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	cfg, err := loadWranglerConfig(c.String("config"), cwd)
	if err != nil {
		return "", "", err
	}
	sel := wrangler.Selection{NamespaceID: c.String("namespace-id"), Binding: c.String("binding")}
	if c.IsSet("preview") {
		p := c.Bool("preview")
		sel.Preview = &p
	}
	switch {
	case defaultBinding == "" || sel.NamespaceID != "" || sel.Preview != nil:
		if sel.Binding == "" && sel.NamespaceID == "" {
			sel.Binding = defaultBinding
		}
		id, err = wrangler.ResolveKVNamespaceID(sel, cfg)
	default:
		binding := sel.Binding
		if binding == "" {
			binding = defaultBinding
		} else if _, ok := cfgBinding(cfg, binding); cfg != nil && !ok {
			// Only the implicit default may fall back to its own name: a typo in an
			// explicit --binding must not quietly open a new, empty namespace.
			return "", "", fmt.Errorf("no KV namespace with binding %q in the \"kv_namespaces\" of %s (bindings there: %v); check the name or use --namespace-id", binding, cfg.Path, cfg.BindingNames())
		}
		id = wrangler.DevNamespaceID(cfg, binding)
	}
	if err != nil {
		return "", "", err
	}
	return wrangler.PersistRoot(c.String("persist-to"), cfg, cwd), id, nil
}

// loadWranglerConfig loads --config, or the config found upwards from cwd; nil
// when there is none (only an explicit --config must exist).
func loadWranglerConfig(explicit, cwd string) (*wrangler.Config, error) {
	path := explicit
	if path == "" {
		found, err := wrangler.FindConfig(cwd)
		if err != nil || found == "" {
			return nil, err
		}
		path = found
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("--config %s: %w", path, err)
	}
	return wrangler.LoadConfig(path)
}

func cfgBinding(cfg *wrangler.Config, name string) (wrangler.KVNamespace, bool) {
	if cfg == nil {
		return wrangler.KVNamespace{}, false
	}
	return cfg.Binding(name)
}
