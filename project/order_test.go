package project

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGraphErrorsNameFileAndLine: the one name rule and the one dependency check
// run on arena-dev.toml as loaded, and each error still names the line.
func TestGraphErrorsNameFileAndLine(t *testing.T) {
	cases := []struct{ name, toml, want string }{
		{"unknown dependency", "[services.web]\ncommand = [\"x\"]\n\ndepends_on = [\"db\"]\n", "arena-dev.toml:4: services.web.depends_on: depends_on[0]: unknown service \"db\" (have answers, web)"},
		{"self dependency", "[services.web]\ncommand = [\"x\"]\ndepends_on = [\"web\"]\n", "arena-dev.toml:3: services.web.depends_on: a service cannot depend on itself"},
		{"cycle", "[services.a]\ncommand = [\"x\"]\ndepends_on = [\"b\"]\n[services.b]\ncommand = [\"x\"]\ndepends_on = [\"a\"]\n", "arena-dev.toml:3: services.a.depends_on: dependency cycle: a -> b -> a"},
		{"cycle behind a chain", "[services.a]\ncommand = [\"x\"]\ndepends_on = [\"b\"]\n[services.b]\ncommand = [\"x\"]\ndepends_on = [\"c\"]\n[services.c]\ncommand = [\"x\"]\ndepends_on = [\"b\"]\n", "dependency cycle: b -> c -> b"},
		{"bad name", "[services.Web]\ncommand = [\"x\"]\n", "arena-dev.toml:1: services.Web: service name \"Web\": use lower case letters"},
		{"bad profile", "[services.web]\ncommand = [\"x\"]\nprofiles = [\"Dev\"]\n", "arena-dev.toml:3: services.web.profiles: profiles[0]: profile name \"Dev\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "arena-dev.toml"), []byte(c.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Resolve(Options{Dir: dir})
			var ue *UsageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Resolve = %v\nwant a UsageError containing %q", err, c.want)
			}
		})
	}
}

// TestOrder: each item after its dependencies, independent ones in the given
// order, and the errors typed.
func TestOrder(t *testing.T) {
	type node struct {
		name string
		deps []string
	}
	n := func(name string, deps ...string) node { return node{name, deps} }
	cases := []struct {
		name  string
		nodes []node
		want  string // the order, or the error
	}{
		{"independent keep their order", []node{n("c"), n("a"), n("b")}, "c a b"},
		{"a dependency listed later comes first", []node{n("aaa", "zzz"), n("zzz")}, "zzz aaa"},
		{"chain", []node{n("a", "b"), n("b", "c"), n("c")}, "c b a"},
		{"diamond", []node{n("top", "l", "r"), n("l", "base"), n("r", "base"), n("base")}, "base l r top"},
		{"unknown", []node{n("a", "nope")}, `service "a": depends_on[0]: unknown service "nope" (have a)`},
		{"self", []node{n("a", "a")}, `service "a": a service cannot depend on itself`},
		{"cycle", []node{n("x"), n("a", "b"), n("b", "c"), n("c", "a")}, "dependency cycle: a -> b -> c -> a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Order(c.nodes, func(x node) string { return x.name }, func(x node) []string { return x.deps })
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				for _, x := range out {
					got += x.name + " "
				}
				got = strings.TrimSpace(got)
			}
			if got != c.want {
				t.Fatalf("Order = %q, want %q", got, c.want)
			}
		})
	}
	_, err := Order([]node{n("a", "b"), n("b", "a")}, func(x node) string { return x.name }, func(x node) []string { return x.deps })
	var ce *CycleError
	if !errors.As(err, &ce) || !slices.Equal(ce.Path, []string{"a", "b", "a"}) {
		t.Fatalf("cycle error %#v", err)
	}
}

// randomGraph is a shuffled acyclic dependency graph of n services (named so that
// alphabetical order is rarely dependency order), for tables here and in the
// packages that walk the order.
func randomGraph(r *rand.Rand, n int) []Service {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("s%02d", n-i) // later in the chain = earlier in the alphabet
	}
	svcs := make([]Service, n)
	for i := range svcs {
		svcs[i].Name = names[i]
		for j := range i { // only on earlier ones: no cycle
			if r.IntN(3) == 0 {
				svcs[i].DependsOn = append(svcs[i].DependsOn, names[j])
			}
		}
	}
	r.Shuffle(n, func(i, j int) { svcs[i], svcs[j] = svcs[j], svcs[i] })
	return svcs
}

// TestInDependencyOrderOnShuffledGraphs: every service comes after all it depends
// on and the reverse order is the exact mirror, on many shuffled graphs.
func TestInDependencyOrderOnShuffledGraphs(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 3))
	for round := range 200 {
		p := &Project{Services: randomGraph(r, 1+round%12)}
		order, err := p.InDependencyOrder()
		if err != nil {
			t.Fatal(err)
		}
		if len(order) != len(p.Services) {
			t.Fatalf("round %d: %d of %d services", round, len(order), len(p.Services))
		}
		pos := map[string]int{}
		for i, s := range order {
			pos[s.Name] = i
		}
		for _, s := range order {
			for _, d := range s.DependsOn {
				if pos[d] >= pos[s.Name] {
					t.Fatalf("round %d: %s at %d before its dependency %s at %d", round, s.Name, pos[s.Name], d, pos[d])
				}
			}
		}
		rev, _ := p.InReverseDependencyOrder()
		for i := range rev {
			if rev[i].Name != order[len(order)-1-i].Name {
				t.Fatalf("round %d: reverse %v is not the mirror of %v", round, rev, order)
			}
		}
	}
}
