package stack

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/internal/glob"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/watch"
)

// FollowOptions configure Follow.
type FollowOptions struct {
	Model *project.Project // what runs now
	// Resolve builds the model again from the files (and the command line the
	// stack was started with); an error is reported and nothing is applied.
	Resolve  func() (*project.Project, error)
	Target   control.Applier // the stack in this process (*Live) or a client of a running one
	Debounce time.Duration   // 0 = watch.DefaultDebounce
	Logger   zerolog.Logger
	// Applied, when set, is called after each change was applied (tests, benchmarks).
	Applied func(source string, plan project.Plan, err error)
}

// configRule names the rule of the files the model is made from.
const configRule = "config"

// Follow is `up --watch`: it follows the model's files (arena-dev.toml, env
// files, .dev.vars, the wrangler config) and applies each valid edit to the
// running stack; an invalid one is reported with its file and line and changes
// nothing. A service's watch globs restart it (and with cascade its dependants).
// It returns when ctx ends.
func Follow(ctx context.Context, o FollowOptions) error {
	model := o.Model
	rules, err := WatchRules(model)
	if err != nil {
		return err
	}
	w, err := watch.New(rules, watch.Options{Debounce: o.Debounce})
	if err != nil {
		return err
	}
	defer func() { w.Close() }()
	log := o.Logger
	log.Info().Strs("files", model.Sources()).Msg("watch: following the stack's files; each valid edit is applied")
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-w.Errors():
			log.Warn().Err(err).Msg("watch")
		case b := <-w.C():
			var planned project.Plan
			if slices.Contains(b.Names, configRule) {
				next, plan, applied := applyFiles(ctx, o, model, b, log)
				planned = plan
				if applied {
					model = next
					if nr, err := WatchRules(model); err == nil && !reflect.DeepEqual(nr, rules) {
						if nw, err := watch.New(nr, watch.Options{Debounce: o.Debounce}); err != nil {
							log.Warn().Err(err).Msg("watch: following the new files")
						} else {
							w.Close()
							w, rules = nw, nr
						}
					}
				}
			}
			refreshServices(ctx, o, model, b, planned, log)
		}
	}
}

// applyFiles resolves the model again and applies it; applied says whether the
// running stack now runs next.
func applyFiles(ctx context.Context, o FollowOptions, model *project.Project, b watch.Batch, log zerolog.Logger) (*project.Project, project.Plan, bool) {
	files := rel(model.Root, b.Paths)
	source := "watch: " + strings.Join(files, ", ")
	next, err := o.Resolve()
	if err != nil {
		log.Error().Msgf("watch: %s changed but is not valid, so nothing was applied and the running stack is unchanged:\n  %s", strings.Join(files, ", "), err)
		if o.Applied != nil {
			o.Applied(source, project.Plan{}, err)
		}
		return nil, project.Plan{}, false
	}
	raw, err := next.JSON()
	if err != nil {
		log.Error().Err(err).Msg("watch")
		return nil, project.Plan{}, false
	}
	start := time.Now()
	plan, err := o.Target.Apply(ctx, raw, false, source)
	if o.Applied != nil {
		o.Applied(source, plan, err)
	}
	var partial *runstate.PartlyAppliedError
	var api *control.APIError
	switch {
	case err != nil && !errors.As(err, &partial) && !(errors.As(err, &api) && api.Code == "partly_applied"):
		log.Error().Msgf("watch: %s changed; not applied: %v", strings.Join(files, ", "), err)
		return nil, plan, false
	case plan.Empty():
		log.Info().Msgf("watch: %s changed; nothing to apply", strings.Join(files, ", "))
	default:
		log.Info().Msgf("watch: %s changed; applied in %s:\n  %s", strings.Join(files, ", "),
			time.Since(start).Round(time.Millisecond), strings.Join(changed(plan), "\n  "))
		if err != nil {
			log.Error().Msgf("watch: %v", err)
		}
	}
	return next, plan, true
}

// refreshServices restarts the services whose watch globs matched (those the
// plan just restarted or started excepted), with their dependants under cascade.
func refreshServices(ctx context.Context, o FollowOptions, model *project.Project, b watch.Batch, planned project.Plan, log zerolog.Logger) {
	var names []string
	add := func(n string) {
		if c, ok := planned.Of(n); ok && (c.Action == project.ActRestart || c.Action == project.ActStart) {
			return
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, rule := range b.Names {
		name, ok := strings.CutPrefix(rule, "service:")
		if !ok {
			continue
		}
		s, ok := model.Service(name)
		if !ok {
			continue
		}
		add(name)
		if s.Cascade {
			for _, d := range model.Dependants(name) {
				add(d)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	why := "watch: " + strings.Join(rel(model.Root, b.Paths), ", ")
	start := time.Now()
	err := o.Target.Refresh(ctx, names, why)
	if err != nil {
		log.Error().Msgf("%s: restarting %s: %v", why, strings.Join(names, ", "), err)
	} else {
		log.Info().Msgf("%s: restarted %s in %s", why, strings.Join(names, ", "), time.Since(start).Round(time.Millisecond))
	}
	if o.Applied != nil {
		var plan project.Plan
		for _, n := range names {
			plan.Changes = append(plan.Changes, project.Change{Service: n, Action: project.ActRestart, Reasons: []string{why}})
		}
		o.Applied(why, plan, err)
	}
}

// WatchRules are what `up --watch` follows for a model: its source files, and
// each service's watch globs under its dir.
func WatchRules(p *project.Project) ([]watch.Rule, error) {
	rules := []watch.Rule{{Name: configRule, Files: p.Sources()}}
	for _, s := range p.Services {
		if len(s.Watch) == 0 {
			continue
		}
		r := watch.Rule{Name: "service:" + s.Name, Dir: s.Dir}
		for _, g := range s.Watch {
			pat, err := glob.Compile(g)
			if err != nil {
				return nil, fmt.Errorf("services.%s.watch: %w", s.Name, err)
			}
			r.Globs = append(r.Globs, pat)
		}
		for _, g := range s.Ignore {
			pat, err := glob.Compile(g)
			if err != nil {
				return nil, fmt.Errorf("services.%s.ignore: %w", s.Name, err)
			}
			r.Ignore = append(r.Ignore, pat)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func changed(plan project.Plan) []string {
	var out []string
	for _, c := range plan.Changes {
		if c.Action != project.ActKeep {
			out = append(out, c.String())
		}
	}
	return out
}

func rel(root string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
			p = r
		}
		out[i] = p
	}
	return out
}
