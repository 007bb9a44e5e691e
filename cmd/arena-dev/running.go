package main

import (
	"errors"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// stackState is the KV state a snapshot command works on: the running stack's
// (its model says where, so an --ephemeral stack's throwaway state is found),
// else the project's as `up` would resolve it.
type stackState struct {
	at      project.Where
	answers project.Answers
	running *stack.Running // nil when no stack runs: work on the files
}

func resolveStackState(c *cli.Context) (*stackState, error) {
	r, err := attachStack(c)
	if err == nil {
		return &stackState{at: r.Where, answers: r.Model.Answers, running: r}, nil
	}
	var nr *stack.NotRunningError
	if !errors.As(err, &nr) {
		return nil, err
	}
	p, err := resolveProject(c)
	if err != nil {
		return nil, err
	}
	return &stackState{at: nr.Where, answers: p.Answers}, nil
}

// open opens the state's namespace; the caller closes the store.
func (s *stackState) open() (*emulator.Store, *emulator.Namespace, error) {
	st, err := emulator.Open(s.answers.PersistRoot)
	if err != nil {
		return nil, nil, err
	}
	ns, err := st.Namespace(s.answers.NamespaceID)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, ns, nil
}
