package stack

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
	"github.com/sommelier-arena/arena-dev/project"
)

// recorder is a Follow target that records what it is asked.
type recorder struct {
	mu        sync.Mutex
	model     *project.Project
	applied   chan string   // each applied model's web env ARENA_X
	refreshed chan []string // each refresh's services
}

func (r *recorder) Apply(_ context.Context, raw json.RawMessage, dry bool, _ string) (project.Plan, error) {
	next, err := project.Decode(raw)
	if err != nil {
		return project.Plan{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	plan, err := project.MakePlan(r.model, next)
	if err != nil || dry {
		return plan, err
	}
	r.model = next
	web, _ := next.Service("web")
	for _, kv := range web.Env {
		if v, ok := strings.CutPrefix(kv, "ARENA_X="); ok {
			r.applied <- v
		}
	}
	return plan, nil
}

func (r *recorder) Refresh(_ context.Context, names []string, _ string) error {
	r.refreshed <- names
	return nil
}

func followToml(x string) string {
	return "[answers]\nnamespace_id = \"ns\"\n[services.lib]\ncommand = [\"lib\"]\nwatch = [\"lib/**\"]\nignore = [\"**/*.tmp\"]\ncascade = true\n" +
		"[services.web]\ncommand = [\"web\"]\ndepends_on = [\"lib\"]\nenv = { ARENA_X = \"" + x + "\" }\n"
}

// TestFollow: a valid edit is applied, a broken one is reported and not
// applied, its fix is; a service's glob refreshes it and, with cascade, its
// dependant; an ignored file does nothing.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	toml := filepath.Join(dir, "arena-dev.toml")
	testenv.WriteFile(t, toml, followToml("1"))
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	resolve := func() (*project.Project, error) { return project.Resolve(project.Options{Dir: dir}) }
	first, err := resolve()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{model: first, applied: make(chan string, 8), refreshed: make(chan []string, 8)}
	reports := make(chan error, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs testenv.SyncBuffer
	go func() {
		done <- Follow(ctx, FollowOptions{Model: first, Resolve: resolve, Target: rec, Debounce: 50 * time.Millisecond,
			Logger: zerolog.New(&logs),
			Applied: func(source string, _ project.Plan, err error) {
				if strings.HasPrefix(source, "watch: arena-dev.toml") {
					reports <- err
				}
			}})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	wait := func(what string) {
		t.Helper()
		select {
		case err := <-reports:
			if err != nil && what != "broken" {
				t.Fatalf("%s: %v", what, err)
			}
			if err == nil && what == "broken" {
				t.Fatal("a broken edit was applied")
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: no report", what)
		}
	}
	// It says so once it watches.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "following the stack's files") {
		if time.Now().After(deadline) {
			t.Fatalf("Follow never started:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	testenv.WriteFile(t, toml, followToml("2"))
	wait("valid")
	if got := <-rec.applied; got != "2" {
		t.Fatalf("applied ARENA_X=%s", got)
	}
	testenv.WriteFile(t, toml, followToml("3")+"[services.web\n")
	wait("broken")
	if !strings.Contains(logs.String(), "arena-dev.toml:") || !strings.Contains(logs.String(), "the running stack is unchanged") {
		t.Errorf("the report does not name the file and line:\n%s", logs.String())
	}
	testenv.WriteFile(t, toml, followToml("3"))
	wait("fixed")
	if got := <-rec.applied; got != "3" {
		t.Fatalf("applied ARENA_X=%s after the fix", got)
	}
	testenv.WriteFile(t, filepath.Join(dir, "lib", "x.tmp"), "ignored")
	testenv.WriteFile(t, filepath.Join(dir, "lib", "a.js"), "1")
	select {
	case names := <-rec.refreshed:
		if !slices.Equal(names, []string{"lib", "web"}) {
			t.Errorf("refreshed %v; want lib, then its dependant web", names)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the glob refreshed nothing")
	}
	select {
	case <-rec.applied:
		t.Error("a watched source file of a service applied a model")
	default:
	}
}
