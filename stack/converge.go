package stack

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Live is a stack that runs in this process: its supervisor, the model it runs and the open
// answers namespace, so a new model can be applied in place (`up` on a running
// stack, `up --watch`).
type Live struct {
	*orchestrate.Supervisor
	ns *Answers

	mu    sync.Mutex // one change at a time; guards model
	model *project.Project
}

// NewLive wraps a supervisor running p over ns.
func NewLive(sup *orchestrate.Supervisor, p *project.Project, ns *Answers) *Live {
	return &Live{Supervisor: sup, ns: ns, model: p}
}

// Model is the model the stack runs now.
func (r *Live) Model() *project.Project {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.model
}

// ApplyModel plans the change from the running model to next and, unless dry,
// applies it; source says who asked ("up", "watch: arena-dev.toml"). The plan
// is returned in both cases; a *project.NotConvergeableError means next is
// another stack, and nothing was done.
func (r *Live) ApplyModel(ctx context.Context, next *project.Project, dry bool, source string) (project.Plan, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	plan, err := project.MakePlan(r.model, next)
	if err != nil || dry {
		return plan, err
	}
	raw, err := next.JSON()
	if err != nil {
		return plan, err
	}
	// The answers API keeps the open namespace across its restart: a change of
	// namespace or persist root is refused by MakePlan.
	err = r.Supervisor.Apply(ctx, Specs(next, r.ns, func() *orchestrate.Supervisor { return r.Supervisor }), plan, source)
	var partial *runstate.PartlyAppliedError
	if err == nil || errors.As(err, &partial) {
		// What was applied is the new model, even when some service did not take.
		r.model = next
		r.Supervisor.SetProject(raw)
	}
	return plan, err
}

// Apply is ApplyModel for a model as JSON (the control API's POST /api/apply).
func (r *Live) Apply(ctx context.Context, model json.RawMessage, dry bool, source string) (project.Plan, error) {
	next, err := project.Decode(model)
	if err != nil {
		return project.Plan{}, &project.UsageError{Err: err}
	}
	return r.ApplyModel(ctx, next, dry, source)
}
