package stack

import (
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/project"
)

// OpenAnswers opens the resolved answers namespace.
func OpenAnswers(a project.Answers) (*Answers, error) {
	st, err := emulator.Open(a.PersistRoot)
	if err != nil {
		return nil, err
	}
	ns, err := st.Namespace(a.NamespaceID)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Answers{Namespace: ns, Root: a.PersistRoot, store: st}, nil
}
