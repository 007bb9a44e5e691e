package control

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// modelApplier applies models of in-process services, as the stack's Live
// does for the real one (which this package cannot import).
type modelApplier struct {
	*orchestrate.Supervisor
	model *project.Project
}

func (a *modelApplier) Apply(ctx context.Context, raw json.RawMessage, dry bool, source string) (project.Plan, error) {
	var next project.Project
	if err := json.Unmarshal(raw, &next); err != nil {
		return project.Plan{}, &project.UsageError{Err: err}
	}
	plan, err := project.MakePlan(a.model, &next)
	if err != nil || dry {
		return plan, err
	}
	var specs []orchestrate.ServiceSpec
	for _, s := range next.Services {
		sp := inproc(s.Name)
		sp.Service = s
		specs = append(specs, sp)
	}
	if err := a.Supervisor.Apply(ctx, specs, plan, source); err != nil {
		return plan, err
	}
	a.model = &next
	return plan, nil
}

func model(services ...project.Service) *project.Project {
	return &project.Project{Root: "/p", Services: services}
}

func svc(name string, env ...string) project.Service {
	return project.Service{Name: name, Env: env, Restart: project.RestartOnFailure, StopTimeout: time.Second}
}

// TestApplyThroughTheAPI: a dry run plans and changes nothing; an apply changes
// the stack and the event stream says so ("change", with the services after
// it); refresh restarts one service; another stack and a bad body are refused.
func TestApplyThroughTheAPI(t *testing.T) {
	runDir := t.TempDir()
	ln, ep, err := Listen(runDir)
	if err != nil {
		t.Fatal(err)
	}
	lg := zerolog.Nop()
	first := model(svc("api"), svc("web"))
	var specs []orchestrate.ServiceSpec
	for _, s := range first.Services {
		sp := inproc(s.Name)
		sp.Service = s
		specs = append(specs, sp)
	}
	sup, err := orchestrate.New(specs, orchestrate.Options{RunDir: runDir, Output: &testenv.SyncBuffer{}, Logger: &lg, Control: ep})
	if err != nil {
		t.Fatal(err)
	}
	app := &modelApplier{Supervisor: sup, model: first}
	srv := &http.Server{Handler: RequireToken(ApplyHandler(app, Handler(app, sup.Done())), ep)}
	go srv.Serve(ln)
	runCtx, stopRun := context.WithCancel(context.Background())
	go sup.Run(runCtx)
	t.Cleanup(func() { stopRun(); <-sup.Done(); srv.Close() })
	<-sup.Ready()
	cl, err := Dial(runDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The event stream, read from before the change.
	changes := make(chan map[string]json.RawMessage, 4)
	subscribed := make(chan struct{})
	go cl.stream(ctx, "/api/events", func(event string, data []byte) (bool, error) {
		if event == "snapshot" {
			close(subscribed)
		}
		if event == "change" {
			var m map[string]json.RawMessage
			_ = json.Unmarshal(data, &m)
			changes <- m
		}
		return true, nil
	})

	// A change made before the stream subscribed is in its snapshot, not an event.
	select {
	case <-subscribed:
	case <-ctx.Done():
		t.Fatal("no snapshot")
	}
	next := model(svc("api"), svc("web", "X=1"), svc("extra"))
	raw, _ := json.Marshal(next)
	plan, err := cl.Apply(ctx, raw, true, "test")
	want := []string{"web: restart (env X added)", "extra: start (added)", "api: keep"}
	if err != nil || !slices.Equal(plan.Lines(), want) {
		t.Fatalf("dry run: %v %v", plan.Lines(), err)
	}
	if sup.LastChange() != nil || len(sup.Status()) != 2 {
		t.Fatalf("a dry run changed the stack: %+v", sup.Status())
	}
	if _, err := cl.Apply(ctx, raw, false, "test"); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-changes:
		var lc runstate.Change
		var list []Service
		_ = json.Unmarshal(m["last_change"], &lc)
		_ = json.Unmarshal(m["services"], &list)
		if lc.Source != "test" || !slices.Equal(lc.Lines, want) || len(list) != 3 || list[2].Name != "extra" {
			t.Errorf("change event: %+v, services %+v", lc, list)
		}
	case <-ctx.Done():
		t.Fatal("no change event")
	}
	svcs, err := cl.Services(ctx)
	if err != nil || len(svcs) != 3 {
		t.Fatalf("services after the apply: %+v %v", svcs, err)
	}

	if err := cl.Refresh(ctx, []string{"web"}, "watch: x"); err != nil {
		t.Fatal(err)
	}
	var ae *APIError
	if err := cl.Refresh(ctx, []string{"nope"}, "watch"); !errors.As(err, &ae) || ae.Code != "unknown_service" {
		t.Errorf("refresh of an unknown service: %v", err)
	}
	other := model(svc("api"))
	other.Root = "/elsewhere"
	raw, _ = json.Marshal(other)
	if _, err := cl.Apply(ctx, raw, false, "test"); !errors.As(err, &ae) || ae.Code != "not_convergeable" || !strings.Contains(ae.Message, "down") {
		t.Errorf("another stack: %v", err)
	}
	if err := cl.doBody(ctx, http.MethodPost, "/api/apply", []byte(`{"model": `), nil); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Errorf("a bad body: %v", err)
	}
}
