package project

import (
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/wrangler"
)

// Namespace resolves the KV namespace a kv, seed or serve command means, given
// wrangler's flags in t (t.Dir is where the command runs). Inside a project whose
// Worker config is the one that applies there (or none does), the project's answers
// namespace and state are the defaults, so `kv key list` at the root reads what
// `up` serves; --namespace-id, --binding and --persist-to still choose, as in
// wrangler. Elsewhere, and with --config, it is wrangler's resolution alone. --env
// picks the Worker config's [env.NAME] section, as wrangler does, so it is never the
// project's default namespace.
func (p *Project) Namespace(t wrangler.Target) (wrangler.Namespace, error) {
	if !p.Found || t.ConfigPath != "" {
		return wrangler.Resolve(t)
	}
	here, err := wrangler.FindConfig(t.Dir)
	if err != nil {
		return wrangler.Namespace{}, err
	}
	if here != "" && here != p.Answers.WranglerConfig {
		return wrangler.Resolve(t) // another Worker's config applies here
	}
	persist := p.Answers.PersistRoot
	if t.PersistTo != "" {
		persist = wrangler.PersistRoot(t.PersistTo, nil, t.Dir)
	}
	if t.NamespaceID == "" && t.Binding == "" && t.Preview == nil && t.Env == "" {
		ns := wrangler.Namespace{ID: p.Answers.NamespaceID, PersistRoot: persist}
		if p.Answers.WranglerConfig != "" {
			cfg, err := wrangler.LoadConfig(p.Answers.WranglerConfig)
			if err != nil {
				return wrangler.Namespace{}, err
			}
			ns.Config = cfg
		}
		return ns, nil
	}
	t.ConfigPath, t.PersistTo = p.Answers.WranglerConfig, persist
	if !filepath.IsAbs(t.PersistTo) {
		t.PersistTo = filepath.Join(t.Dir, t.PersistTo)
	}
	return wrangler.Resolve(t)
}
