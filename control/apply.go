package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Applier is a Stack that takes a new model in place (the stack `up` runs; not
// the compose panel). Only the control endpoint mounts its routes: a model names
// commands to run, so it is never accepted on the answers port.
type Applier interface {
	Apply(ctx context.Context, model json.RawMessage, dry bool, source string) (project.Plan, error)
	Refresh(ctx context.Context, names []string, why string) error
}

// ApplyRequest is POST /api/apply's body.
type ApplyRequest struct {
	Model  json.RawMessage `json:"model"`             // the resolved model (project.Project as JSON)
	DryRun bool            `json:"dry_run,omitempty"` // plan only
	Source string          `json:"source,omitempty"`  // who asks: "up", "watch"
}

// ApplyResult is its answer: the plan, and whether it was applied.
type ApplyResult struct {
	Plan    project.Plan `json:"plan"`
	Applied bool         `json:"applied"`
}

// RefreshRequest is POST /api/refresh's body: restart these services afresh (no
// backoff, restart count reset), in dependency order.
type RefreshRequest struct {
	Services []string `json:"services"`
	Why      string   `json:"why,omitempty"`
}

// ApplyHandler serves POST /api/apply and POST /api/refresh of the control
// endpoint, and everything else through next.
func ApplyHandler(a Applier, next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/apply", func(w http.ResponseWriter, r *http.Request) {
		var req ApplyRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<20)).Decode(&req); err != nil || len(req.Model) == 0 {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("want {\"model\": {...}, \"dry_run\": bool}: %v", err), nil)
			return
		}
		if req.Source == "" {
			req.Source = "control API"
		}
		// A change runs to its end even if the client goes away: half a change
		// is worse than a late answer.
		plan, err := a.Apply(context.WithoutCancel(r.Context()), req.Model, req.DryRun, req.Source)
		var nc *project.NotConvergeableError
		var ue *project.UsageError
		var ae *runstate.PartlyAppliedError
		switch {
		case errors.As(err, &nc):
			writeError(w, http.StatusConflict, "not_convergeable", err.Error(), nil)
		case errors.As(err, &ue):
			writeError(w, http.StatusBadRequest, "bad_model", err.Error(), nil)
		case errors.As(err, &ae):
			writeError(w, http.StatusConflict, "partly_applied", err.Error(), map[string]any{"plan": plan})
		case err != nil:
			writeError(w, http.StatusConflict, "failed", err.Error(), map[string]any{"plan": plan})
		default:
			writeJSON(w, http.StatusOK, ApplyResult{Plan: plan, Applied: !req.DryRun})
		}
	})
	mux.HandleFunc("POST /api/refresh", func(w http.ResponseWriter, r *http.Request) {
		var req RefreshRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || len(req.Services) == 0 {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("want {\"services\": [...]}: %v", err), nil)
			return
		}
		err := a.Refresh(context.WithoutCancel(r.Context()), req.Services, req.Why)
		var unknown *runstate.UnknownServiceError
		switch {
		case errors.As(err, &unknown):
			writeError(w, http.StatusNotFound, "unknown_service", err.Error(), map[string]any{"known": unknown.Known})
		case err != nil:
			writeError(w, http.StatusConflict, "failed", err.Error(), nil)
		default:
			writeJSON(w, http.StatusOK, map[string]any{"refreshed": req.Services})
		}
	})
	mux.Handle("/", next)
	return mux
}

// Apply sends a new model to the running stack; with dry it only plans.
func (c *Client) Apply(ctx context.Context, model json.RawMessage, dry bool, source string) (project.Plan, error) {
	body, err := json.Marshal(ApplyRequest{Model: model, DryRun: dry, Source: source})
	if err != nil {
		return project.Plan{}, err
	}
	var out ApplyResult
	err = c.doBody(ctx, http.MethodPost, "/api/apply", body, &out)
	return out.Plan, err
}

// Refresh restarts services afresh (a watched file of theirs changed).
func (c *Client) Refresh(ctx context.Context, names []string, why string) error {
	body, err := json.Marshal(RefreshRequest{Services: names, Why: why})
	if err != nil {
		return err
	}
	return c.doBody(ctx, http.MethodPost, "/api/refresh", body, nil)
}

// doBody makes one request (with body, when not nil) and decodes the answer into into.
func (c *Client) doBody(ctx context.Context, method, path string, body []byte, into any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	res, err := c.sendBody(ctx, method, path, r)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if into == nil {
		return nil
	}
	return json.NewDecoder(res.Body).Decode(into)
}
