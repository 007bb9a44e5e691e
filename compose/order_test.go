package compose

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
)

// shuffledGraph is an acyclic dependency graph of n services in a shuffled
// model order, named so that alphabetical order is rarely dependency order.
func shuffledGraph(r *rand.Rand, root string, n int) []project.Service {
	svcs := make([]project.Service, n)
	for i := range svcs {
		svcs[i] = project.Service{Name: fmt.Sprintf("s%02d", n-i), Command: []string{"true"}, Dir: root}
		for j := range i { // on earlier ones only: no cycle
			if r.IntN(3) == 0 {
				svcs[i].DependsOn = append(svcs[i].DependsOn, svcs[j].Name)
			}
		}
	}
	r.Shuffle(n, func(i, j int) { svcs[i], svcs[j] = svcs[j], svcs[i] })
	return svcs
}

// TestUpAndComposeWalkOneOrder resolves each dependency graph once and checks
// that the order `up` starts services in (the supervisor's) and the order
// `compose up` creates containers in are the same, and that both put every
// service after what it depends on. The first rows are issue 16's defect 3:
// `aaa` depending on `zzz` made `compose up` fail with "service zzz has no
// container", because compose walked the model's (alphabetical) order.
func TestUpAndComposeWalkOneOrder(t *testing.T) {
	root := t.TempDir()
	svc := func(name string, deps ...string) project.Service {
		return project.Service{Name: name, Command: []string{"true"}, Dir: root, DependsOn: deps}
	}
	cases := []struct {
		name     string
		services []project.Service
		want     []string // nil: only the agreement and the dependency rule
	}{
		{"aaa depends on zzz", []project.Service{svc("aaa", "zzz"), svc("zzz")}, []string{"zzz", "aaa"}},
		{"a chain against the alphabet", []project.Service{svc("a", "b"), svc("b", "c"), svc("c")}, []string{"c", "b", "a"}},
		{"diamond", []project.Service{svc("api", "db", "kv"), svc("db", "net"), svc("kv", "net"), svc("net")}, []string{"net", "db", "kv", "api"}},
		{"independent keep the model's order", []project.Service{svc("b"), svc("a"), svc("c")}, []string{"b", "a", "c"}},
	}
	r := rand.New(rand.NewPCG(16, 7))
	for i := range 40 {
		cases = append(cases, struct {
			name     string
			services []project.Service
			want     []string
		}{fmt.Sprintf("shuffled %d", i), shuffledGraph(r, root, 2+i%10), nil})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &project.Project{Root: root, Services: c.services}
			sup, err := orchestrate.New(stack.Specs(m, nil, nil), orchestrate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var up []string
			for _, s := range sup.Status() {
				up = append(up, s.Name)
			}
			cp, err := NewProject(m, Options{Version: "1", User: "1:1"})
			if err != nil {
				t.Fatal(err)
			}
			if got := cp.ServiceNames(); !slices.Equal(got, up) {
				t.Fatalf("compose creates %v, up starts %v", got, up)
			}
			if c.want != nil && !slices.Equal(up, c.want) {
				t.Fatalf("order %v, want %v", up, c.want)
			}
			seen := map[string]bool{}
			for _, s := range cp.Services {
				for _, d := range s.DependsOn {
					if !seen[d] {
						t.Fatalf("%s comes before its dependency %s in %v", s.Name, d, up)
					}
				}
				seen[s.Name] = true
			}
		})
	}
}

// TestStopWaves: Down removes dependents before their dependencies, reading only
// the containers' labels, and each wave only once the one before it is gone.
func TestStopWaves(t *testing.T) {
	ctr := func(name string, deps ...string) container.Summary {
		l := map[string]string{LabelService: name}
		for i, d := range deps {
			deps[i] = d + ":service_healthy:false"
		}
		l[LabelDependsOn] = strings.Join(deps, ",")
		return container.Summary{ID: name, Labels: l}
	}
	cases := []struct {
		name string
		cs   []container.Summary
		want string
	}{
		{"no dependencies: one wave", []container.Summary{ctr("a"), ctr("b")}, "a b"},
		{"the example stack", []container.Summary{ctr("answers"), ctr("astro", "answers", "partykit"), ctr("partykit", "answers")}, "astro | partykit | answers"},
		{"aaa on zzz", []container.Summary{ctr("aaa", "zzz"), ctr("zzz")}, "aaa | zzz"},
		{"a dependency already gone", []container.Summary{ctr("web", "db")}, "web"},
		{"diamond", []container.Summary{ctr("net"), ctr("api", "db", "kv"), ctr("db", "net"), ctr("kv", "net")}, "api | db kv | net"},
		{"a cycle made by hand: all at once", []container.Summary{ctr("a", "b"), ctr("b", "a")}, "a b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var waves []string
			for _, w := range stopWaves(c.cs) {
				var names []string
				for _, x := range w {
					names = append(names, x.ID)
				}
				waves = append(waves, strings.Join(names, " "))
			}
			if got := strings.Join(waves, " | "); got != c.want {
				t.Fatalf("waves %q, want %q", got, c.want)
			}
		})
	}
}
