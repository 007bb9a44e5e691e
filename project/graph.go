package project

import (
	"errors"

	"github.com/sommelier-arena/arena-dev/config"
)

// checkGraph applies the one name rule and the one dependency check to
// arena-dev.toml as loaded, each error naming its line: a bad name, an unknown or
// self dependency, or a cycle stops Resolve before anything is derived.
func checkGraph(cp *config.Project) error {
	for _, n := range cp.ServiceNames() {
		if err := CheckServiceName(n); err != nil {
			return cp.ErrAt("services."+n, "%v", err)
		}
		for i, pr := range cp.File.Services[n].Profiles {
			if err := CheckProfileName(pr); err != nil {
				return cp.ErrAt("services."+n+".profiles", "profiles[%d]: %v", i, err)
			}
		}
	}
	names := append([]string{AnswersService}, cp.ServiceNames()...)
	self := func(n string) string { return n }
	deps := func(n string) []string { return cp.File.Services[n].DependsOn }
	_, err := Order(names, self, deps)
	var de *DependencyError
	var ce *CycleError
	switch {
	case errors.As(err, &de):
		return cp.ErrAt("services."+de.Service+".depends_on", "%s", de.Reason())
	case errors.As(err, &ce):
		return cp.ErrAt("services."+ce.Path[0]+".depends_on", "%v", err)
	}
	return err
}
