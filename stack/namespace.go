package stack

import (
	"fmt"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// OpenAnswers opens the project's answers namespace. persistTo, when set, overrides
// the project's persist root.
func OpenAnswers(p *config.Project, persistTo string) (*Answers, error) {
	a := p.File.Answers
	id := a.NamespaceID
	if id == "" {
		return nil, fmt.Errorf("binding resolution not wired yet") // TODO(wrangler package)
	}
	root := persistTo
	if root == "" {
		root = p.PersistRoot()
	}
	if root == "" {
		root = filepath.Join(p.Dir, ".wrangler", "state")
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
