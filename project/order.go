package project

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// serviceName is the one rule for a service's name (and a profile's): arena-dev.toml,
// the supervisor and compose all check names here, so a name one accepts the
// others accept too. It is also a valid container and DNS label component.
var serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// NameError is a service or profile name that breaks the rule.
type NameError struct {
	Kind string // "service" or "profile"
	Name string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%s name %q: use lower case letters, digits, '-' and '_', starting with a letter or digit", e.Kind, e.Name)
}

// CheckServiceName says whether name is a valid service name.
func CheckServiceName(name string) error {
	if !serviceName.MatchString(name) {
		return &NameError{Kind: "service", Name: name}
	}
	return nil
}

// CheckProfileName says whether name is a valid profile name (the same rule).
func CheckProfileName(name string) error {
	if !serviceName.MatchString(name) {
		return &NameError{Kind: "profile", Name: name}
	}
	return nil
}

// DependencyError is a depends_on entry that names no service, or the service itself.
type DependencyError struct {
	Service    string
	Index      int    // its place in depends_on
	Dependency string // what it names
	Have       []string
}

func (e *DependencyError) Error() string { return fmt.Sprintf("service %q: %s", e.Service, e.Reason()) }

// Reason is the error without the service's name, for a message that names it already.
func (e *DependencyError) Reason() string {
	if e.Dependency == e.Service {
		return "a service cannot depend on itself"
	}
	return fmt.Sprintf("depends_on[%d]: unknown service %q (have %s)", e.Index, e.Dependency, strings.Join(e.Have, ", "))
}

// CycleError is a dependency loop; Path starts and ends with the same service.
type CycleError struct{ Path []string }

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// Order returns items so that each comes after everything it depends on, keeping
// the given order among items that do not depend on each other (a depth-first walk
// of each item's dependencies in the order they are listed). It is the one
// dependency order of the project: `up` starts services in it and stops them in
// its reverse, and so does `compose`. An unknown or self dependency is a
// *DependencyError, a loop a *CycleError naming it.
func Order[T any](items []T, name func(T) string, deps func(T) []string) ([]T, error) {
	idx := make(map[string]int, len(items))
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = name(it)
		idx[names[i]] = i
	}
	for i, it := range items {
		for k, d := range deps(it) {
			if _, ok := idx[d]; !ok || d == names[i] {
				return nil, &DependencyError{Service: names[i], Index: k, Dependency: d, Have: names}
			}
		}
	}
	const (
		unseen = iota
		visiting
		done
	)
	mark := make([]int, len(items))
	out := make([]T, 0, len(items))
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		switch mark[i] {
		case done:
			return nil
		case visiting:
			start := slices.Index(path, names[i])
			return &CycleError{Path: append(slices.Clone(path[start:]), names[i])}
		}
		mark[i] = visiting
		path = append(path, names[i])
		for _, d := range deps(items[i]) {
			if err := visit(idx[d]); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[i] = done
		out = append(out, items[i])
		return nil
	}
	for i := range items {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InDependencyOrder is the project's services in start order: each after the
// services it depends on, otherwise in the model's order. Resolve has checked the
// graph, so it fails only on a Project built by hand.
func (p *Project) InDependencyOrder() ([]Service, error) {
	return Order(p.Services, serviceNameOf, serviceDeps)
}

// InReverseDependencyOrder is the stop order: each service before the services it
// depends on.
func (p *Project) InReverseDependencyOrder() ([]Service, error) {
	out, err := p.InDependencyOrder()
	slices.Reverse(out)
	return out, err
}

func serviceNameOf(s Service) string { return s.Name }

// Find returns the item called want, for any list of named things (services of
// the model, containers of compose).
func Find[T any](items []T, name func(T) string, want string) (T, bool) {
	for _, it := range items {
		if name(it) == want {
			return it, true
		}
	}
	var zero T
	return zero, false
}

// Names lists the items' names in their order.
func Names[T any](items []T, name func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return out
}
func serviceDeps(s Service) []string { return s.DependsOn }
