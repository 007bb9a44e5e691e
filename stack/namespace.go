package stack

import (
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/wrangler"
)

// OpenAnswers opens the project's answers namespace as `wrangler dev` would for the
// Worker: namespace_id when set, else the binding's preview_id, id, or name; state in
// persistTo (the --persist-to flag), else the project's persist_to, else
// .wrangler/state beside the Worker's wrangler.toml.
func OpenAnswers(p *config.Project, persistTo string) (*Answers, error) {
	a := p.File.Answers
	var cfg *wrangler.Config
	if path := p.WranglerConfigPath(); path != "" {
		c, err := wrangler.LoadConfig(path)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	id := a.NamespaceID
	if id == "" {
		id = wrangler.DevNamespaceID(cfg, a.Binding)
	}
	root := persistTo
	if root == "" {
		root = p.PersistRoot()
	}
	if root == "" {
		root = wrangler.PersistRoot("", cfg, p.Dir)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	st, err := emulator.Open(root)
	if err != nil {
		return nil, err
	}
	ns, err := st.Namespace(id)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Answers{Namespace: ns, Root: root, store: st}, nil
}
