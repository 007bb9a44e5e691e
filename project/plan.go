package project

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Action is what applying a new model does to one service.
type Action string

const (
	ActKeep    Action = "keep"    // unchanged: untouched, same process
	ActRestart Action = "restart" // its process config changed, or what it reads of a dependency
	ActStart   Action = "start"   // added, or enabled
	ActStop    Action = "stop"    // removed, or disabled
	ActUpdate  Action = "update"  // not running before or after; its config changed
)

// Change is one service's line of a Plan.
type Change struct {
	Service string   `json:"service"`
	Action  Action   `json:"action"`
	Reasons []string `json:"reasons,omitempty"`
	Removed bool     `json:"removed,omitempty"` // ActStop: gone from the model, not only disabled
	Added   bool     `json:"added,omitempty"`   // ActStart: new to the model
}

func (c Change) String() string {
	if len(c.Reasons) == 0 {
		return fmt.Sprintf("%s: %s", c.Service, c.Action)
	}
	return fmt.Sprintf("%s: %s (%s)", c.Service, c.Action, strings.Join(c.Reasons, "; "))
}

// Plan is how a running stack becomes a new model: stops first, in reverse
// dependency order of the old model, then restarts and starts in the new one's
// dependency order, then the services kept.
type Plan struct {
	Changes []Change `json:"changes"`
}

// Empty: nothing to do but keep every service.
func (p Plan) Empty() bool {
	for _, c := range p.Changes {
		if c.Action != ActKeep {
			return false
		}
	}
	return true
}

// Lines are the plan as `up` prints it, one service a line.
func (p Plan) Lines() []string {
	out := make([]string, len(p.Changes))
	for i, c := range p.Changes {
		out[i] = c.String()
	}
	return out
}

// Of returns the named service's change.
func (p Plan) Of(name string) (Change, bool) {
	for _, c := range p.Changes {
		if c.Service == name {
			return c, true
		}
	}
	return Change{}, false
}

// NotConvergeableError: the new model is another stack, not a change of this one
// (its KV state, run directory or root differs); `down` and `up` is the way.
type NotConvergeableError struct{ What []string }

func (e *NotConvergeableError) Error() string {
	return "the running stack cannot become this one in place (" + strings.Join(e.What, "; ") + "); `arena-dev down` first"
}

// MakePlan compares the running model with a new one, service by service, by
// their config hashes, naming why each changes.
func MakePlan(old, new *Project) (Plan, error) {
	if err := sameStack(old, new); err != nil {
		return Plan{}, err
	}
	oldOrder, err := depOrder(old)
	if err != nil {
		return Plan{}, err
	}
	newOrder, err := depOrder(new)
	if err != nil {
		return Plan{}, err
	}
	changes := map[string]*Change{}
	for _, s := range old.Services {
		n, ok := new.Service(s.Name)
		switch {
		case !ok:
			if s.Disabled {
				changes[s.Name] = &Change{Service: s.Name, Action: ActUpdate, Removed: true, Reasons: []string{"removed"}}
			} else {
				changes[s.Name] = &Change{Service: s.Name, Action: ActStop, Removed: true, Reasons: []string{"removed"}}
			}
		case !s.Disabled && n.Disabled:
			changes[s.Name] = &Change{Service: s.Name, Action: ActStop, Reasons: []string{"disabled: " + n.DisabledWhy}}
		case s.Disabled && !n.Disabled:
			changes[s.Name] = &Change{Service: s.Name, Action: ActStart, Reasons: []string{"enabled"}}
		default:
			c := &Change{Service: s.Name, Action: ActKeep}
			if old.ConfigHash(s.Name) != new.ConfigHash(s.Name) {
				c.Action, c.Reasons = ActRestart, reasons(old, new, s, n)
				if s.Disabled {
					c.Action = ActUpdate
				}
			}
			changes[s.Name] = c
		}
	}
	for _, n := range new.Services {
		if _, ok := old.Service(n.Name); !ok {
			c := &Change{Service: n.Name, Action: ActStart, Added: true, Reasons: []string{"added"}}
			if n.Disabled {
				c.Action, c.Reasons = ActUpdate, []string{"added, not started: " + n.DisabledWhy}
			}
			changes[n.Name] = c
		}
	}
	cascadeReads(old, new, newOrder, changes)
	var plan Plan
	for i := len(oldOrder) - 1; i >= 0; i-- {
		if c := changes[oldOrder[i]]; c.Action == ActStop {
			plan.Changes = append(plan.Changes, *c)
		}
	}
	for _, act := range []Action{ActRestart, ActStart, ActUpdate, ActKeep} {
		for _, name := range append(newOrder, removedNames(old, new)...) {
			if c := changes[name]; c != nil && c.Action == act {
				plan.Changes = append(plan.Changes, *c)
				delete(changes, name)
			}
		}
	}
	return plan, nil
}

// cascadeReads restarts the running dependants of a service whose address (port
// or URL) changed: they may have read it at start, whatever their own config.
func cascadeReads(old, new *Project, order []string, changes map[string]*Change) {
	for _, name := range order {
		c := changes[name]
		if c.Action != ActKeep {
			continue
		}
		s, _ := new.Service(name)
		for _, d := range s.DependsOn {
			was, ok1 := old.Service(d)
			now, ok2 := new.Service(d)
			if ok1 && ok2 && (was.Port != now.Port || was.URL != now.URL) {
				c.Action = ActRestart
				c.Reasons = append(c.Reasons, fmt.Sprintf("%s's address changed: %s -> %s", d, addr(was), addr(now)))
			}
		}
	}
}

func addr(s Service) string {
	if s.URL != "" {
		return s.URL
	}
	return fmt.Sprint(s.Port)
}

func removedNames(old, new *Project) []string {
	var out []string
	for _, s := range old.Services {
		if _, ok := new.Service(s.Name); !ok {
			out = append(out, s.Name)
		}
	}
	return out
}

// sameStack refuses a new model that is another stack: another root, name, run
// directory, or KV state (the answers API keeps its open store across a restart).
func sameStack(old, new *Project) error {
	var what []string
	diff := func(field, a, b string) {
		if a != b {
			what = append(what, fmt.Sprintf("%s %q -> %q", field, a, b))
		}
	}
	diff("project root", old.Root, new.Root)
	diff("stack name", old.Name, new.Name)
	diff("run directory", old.RunDir, new.RunDir)
	diff("KV namespace", old.Answers.NamespaceID, new.Answers.NamespaceID)
	diff("KV persist root", old.Answers.PersistRoot, new.Answers.PersistRoot)
	diff("answers mode", old.Answers.Mode, new.Answers.Mode)
	if old.Answers.Ephemeral != new.Answers.Ephemeral {
		what = append(what, fmt.Sprintf("ephemeral %v -> %v", old.Answers.Ephemeral, new.Answers.Ephemeral))
	}
	if len(what) > 0 {
		return &NotConvergeableError{What: what}
	}
	return nil
}

// reasons names what differs between two versions of one service, the
// process's view of it (hash.go), field by field.
func reasons(old, new *Project, was, now Service) []string {
	var out []string
	add := func(format string, a ...any) { out = append(out, fmt.Sprintf(format, a...)) }
	if !reflect.DeepEqual(was.Command, now.Command) || was.Shell != now.Shell {
		add("command changed")
	}
	if was.Dir != now.Dir {
		add("dir %s -> %s", was.Dir, now.Dir)
	}
	if was.Port != now.Port {
		add("port %d -> %d", was.Port, now.Port)
	}
	out = append(out, envReasons(was.Env, now.Env)...)
	if was.URL != now.URL && was.Port == now.Port {
		add("url %s -> %s", was.URL, now.URL)
	}
	if !reflect.DeepEqual(was.Probe, now.Probe) {
		add("readiness changed")
	}
	if !reflect.DeepEqual(was.DependsOn, now.DependsOn) {
		add("depends_on %v -> %v", was.DependsOn, now.DependsOn)
	}
	if was.Restart != now.Restart || was.MaxRestarts != now.MaxRestarts || was.Backoff != now.Backoff ||
		was.BackoffMax != now.BackoffMax || was.Window != now.Window {
		add("restart policy changed")
	}
	if was.StopTimeout != now.StopTimeout {
		add("stop_timeout %s -> %s", was.StopTimeout, now.StopTimeout)
	}
	if was.Name == AnswersService {
		out = append(out, answersReasons(old.Answers, new.Answers)...)
	}
	if len(out) == 0 {
		add("config changed")
	}
	return out
}

func answersReasons(was, now Answers) []string {
	var out []string
	if was.Host != now.Host {
		out = append(out, fmt.Sprintf("host %s -> %s", was.Host, now.Host))
	}
	if !reflect.DeepEqual(was.CORSOrigins, now.CORSOrigins) {
		out = append(out, "cors origins changed")
	}
	if was.KVConsistency != now.KVConsistency || was.KVPropagationDelay != now.KVPropagationDelay {
		out = append(out, fmt.Sprintf("kv consistency %s/%s -> %s/%s", was.KVConsistency, was.KVPropagationDelay, now.KVConsistency, now.KVPropagationDelay))
	}
	if was.Seed != now.Seed {
		out = append(out, fmt.Sprintf("seed %v -> %v", was.Seed, now.Seed))
	}
	if was.WranglerConfig != now.WranglerConfig {
		out = append(out, "wrangler config changed")
	}
	return out
}

// envReasons names the variables added, removed or changed (values are not
// shown: they may be secrets). Later entries win, as in the process's env.
func envReasons(was, now []string) []string {
	a, b := envMap(was), envMap(now)
	both := maps.Clone(a)
	maps.Copy(both, b)
	var out []string
	for _, k := range slices.Sorted(maps.Keys(both)) {
		va, ina := a[k]
		vb, inb := b[k]
		switch {
		case !ina:
			out = append(out, "env "+k+" added")
		case !inb:
			out = append(out, "env "+k+" removed")
		case va != vb:
			out = append(out, "env "+k+" changed")
		}
	}
	if len(out) == 0 && !reflect.DeepEqual(was, now) {
		out = append(out, "env order changed")
	}
	return out
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

// depOrder is the model's dependency order (order.go), by name.
func depOrder(p *Project) ([]string, error) {
	svcs, err := p.InDependencyOrder()
	if err != nil {
		return nil, err
	}
	out := make([]string, len(svcs))
	for i, s := range svcs {
		out[i] = s.Name
	}
	return out, nil
}

// Dependants are the services that depend on name, directly or through others,
// in dependency order: what a cascade restarts after it.
func (p *Project) Dependants(name string) []string {
	order, err := depOrder(p)
	if err != nil {
		return nil
	}
	hit := map[string]bool{name: true}
	var out []string
	for _, n := range order {
		s, _ := p.Service(n)
		for _, d := range s.DependsOn {
			if hit[d] && !hit[n] {
				hit[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
