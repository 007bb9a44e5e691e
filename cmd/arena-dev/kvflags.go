package main

import (
	"os"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/sommelier-arena/arena-dev/project"
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
		&cli.StringFlag{Name: "env", Aliases: []string{"e"}, Usage: "the wrangler config's [env.`NAME`] section: its kv_namespaces, not the top level's"},
		// Accepted so pasted wrangler commands run: arena-dev only ever has local state.
		&cli.BoolFlag{Name: "local", Usage: "accepted for wrangler compatibility; arena-dev is always local"},
		&cli.BoolFlag{Name: "remote", Usage: "not supported: arena-dev serves only local state"},
	}
}

// resolveNamespace resolves the namespace the flags select, through the project
// model (project.Namespace): at a project's root, no flags mean the answers
// namespace `up` serves. dev resolves a binding as `wrangler dev` does (serve,
// seed) rather than as `wrangler kv` does.
func resolveNamespace(c *cli.Context, dev bool) (*project.Project, wrangler.Namespace, error) {
	if c.Bool("remote") {
		return nil, wrangler.Namespace{}, usageLine(cmdName(c), "--remote: arena-dev serves only local state (.wrangler/state); use wrangler itself for the remote namespace")
	}
	cwd, err := os.Getwd()
	if err != nil {
		return nil, wrangler.Namespace{}, err
	}
	p, err := project.Resolve(project.Options{Dir: cwd})
	if err != nil {
		return nil, wrangler.Namespace{}, err
	}
	t := wrangler.Target{
		Dir: cwd, ConfigPath: c.String("config"), PersistTo: c.String("persist-to"), Dev: dev, Env: c.String("env"),
		Selection: wrangler.Selection{NamespaceID: c.String("namespace-id"), Binding: c.String("binding")},
	}
	if c.IsSet("preview") {
		v := c.Bool("preview")
		t.Preview = &v
	}
	if dev {
		t.DefaultBinding = "ANSWERS" // the wine-answers Worker's binding, as with no project
	}
	ns, err := p.Namespace(t)
	return p, ns, err
}

// withNamespace opens the namespace the flags select, runs fn on it and closes
// it: the prelude of every kv command. Its operations go through the state's KV
// limits, in the mode its last server started with (kvquota.go).
func withNamespace(c *cli.Context, fn func(ns *kvlimits.Namespace) error) error {
	store, ns, _, err := openNamespace(c, false)
	if err != nil {
		return err
	}
	defer store.Close()
	lim, err := kvlimits.Attach(store.Root(), kvlimits.Options{})
	if err != nil {
		return err
	}
	defer lim.Close()
	return explainRefusal(fn(kvlimits.Wrap(ns, lim)))
}

// openNamespace opens the namespace the flags select (see resolveNamespace); the
// caller closes the store.
func openNamespace(c *cli.Context, dev bool) (*emulator.Store, *emulator.Namespace, *project.Project, error) {
	p, target, err := resolveNamespace(c, dev)
	if err != nil {
		return nil, nil, nil, err
	}
	o, err := emulator.OpenNamespace(target.PersistRoot, target.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	logOf(c).Debug().Str("persist_root", target.PersistRoot).Str("namespace_id", target.ID).Str("database", o.DatabasePath()).Msg("KV namespace opened")
	return o.Store, o.Namespace, p, nil
}
