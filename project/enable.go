package project

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/config"
)

// enable decides which services start with the stack. Named services (`up SVC...`)
// start with what they depend on, and nothing else; otherwise every service but
// those with disabled = true or with profiles none of which was asked for. What
// an enabled service depends on is always enabled. The others stay in the model,
// stopped, for `arena-dev start`.
func (p *Project) enable(cp *config.Project, o Options) error {
	known := map[string]bool{}
	for _, s := range p.Services {
		known[s.Name] = true
	}
	for _, n := range o.Services {
		if !known[n] {
			return fmt.Errorf("no service %q (services: %s)", n, strings.Join(p.ServiceNames(), ", "))
		}
	}
	all := profilesOf(cp)
	for _, pr := range o.Profiles {
		if !slices.Contains(all, pr) {
			if len(all) == 0 {
				return fmt.Errorf("--profile %s: no service in %s has profiles", pr, orDefaults(cp.Path))
			}
			return fmt.Errorf("--profile %s: no such profile (profiles: %s)", pr, strings.Join(all, ", "))
		}
	}
	on := map[string]bool{}
	why := map[string]string{}
	for _, s := range p.Services {
		c := cp.File.Services[s.Name]
		switch {
		case len(o.Services) > 0:
			if !slices.Contains(o.Services, s.Name) {
				why[s.Name] = "not named on `up`"
				continue
			}
		case c.Disabled:
			why[s.Name] = "disabled in " + orDefaults(cp.Path)
			continue
		case len(c.Profiles) > 0 && !overlaps(c.Profiles, o.Profiles):
			why[s.Name] = "profile " + strings.Join(c.Profiles, ", ") + " not asked for (--profile)"
			continue
		}
		on[s.Name] = true
	}
	var pull func(string)
	pull = func(n string) {
		s, _ := p.Service(n)
		for _, d := range s.DependsOn {
			if !on[d] {
				on[d] = true
				pull(d)
			}
		}
	}
	for n := range on {
		pull(n)
	}
	for i := range p.Services {
		if !on[p.Services[i].Name] {
			p.Services[i].Disabled, p.Services[i].DisabledWhy = true, why[p.Services[i].Name]
		}
	}
	return nil
}

func profilesOf(cp *config.Project) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range cp.File.Services {
		for _, pr := range s.Profiles {
			if !seen[pr] {
				seen[pr] = true
				out = append(out, pr)
			}
		}
	}
	sort.Strings(out)
	return out
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func orDefaults(path string) string {
	if path == "" {
		return "the default configuration"
	}
	return path
}
