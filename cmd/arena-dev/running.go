package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/urfave/cli/v2"
)

// stackState is the KV state a snapshot or e2e command works on: the running
// stack's (its run file records the model it runs, so an --ephemeral stack's
// throwaway state is found), else the project's as `up` would resolve it.
type stackState struct {
	p       *project.Project
	answers project.Answers
	running bool // a live arena-dev serves it: talk to its answers port for changes
}

func resolveStackState(c *cli.Context) (*stackState, error) {
	p, err := resolveProject(c)
	if err != nil {
		return nil, err
	}
	s := &stackState{p: p, answers: p.Answers}
	rf, err := runstate.LiveOwner(p.RunDir)
	if err != nil || rf == nil || rf.Project == nil {
		return s, err
	}
	var model struct{ Answers project.Answers }
	if err := json.Unmarshal(rf.Project, &model); err != nil || model.Answers.PersistRoot == "" {
		return nil, fmt.Errorf("the run file in %s does not say which KV state the running stack serves: %v", p.RunDir, err)
	}
	s.answers, s.running = model.Answers, true
	return s, nil
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

// callAnswers sends a request to the running stack's answers port and decodes
// its JSON answer into out; an error answer becomes an error with its message.
func (s *stackState) callAnswers(method, path string, out any) error {
	req, err := http.NewRequest(method, strings.TrimRight(s.answers.URL, "/")+path, nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("the running stack's answers API (%s): %w", s.answers.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string }
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s %s: %s", method, path, e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d %s", method, path, res.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
