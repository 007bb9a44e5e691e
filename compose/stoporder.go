package compose

import (
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/sommelier-arena/arena-dev/project"
)

// stopWaves groups a project's containers for removal: first those nothing
// depends on, then those only the first wave depended on, and so on: the reverse
// of project.Order over their depends_on labels, so Down needs no model. A
// container without labels, or labels that do not form an order (a cycle, made
// by hand), is removed in the first wave.
func stopWaves(cs []container.Summary) [][]container.Summary {
	names := func(c container.Summary) string { return c.Labels[LabelService] }
	present := map[string]bool{}
	for _, c := range cs {
		present[names(c)] = true
	}
	deps := func(c container.Summary) []string {
		var out []string
		for _, d := range strings.Split(c.Labels[LabelDependsOn], ",") {
			name, _, _ := strings.Cut(d, ":") // compose's service:condition:restart
			if name != "" && present[name] && name != names(c) {
				out = append(out, name) // one already gone is no reason to wait
			}
		}
		return out
	}
	order, err := project.Order(cs, names, deps)
	if err != nil {
		return [][]container.Summary{cs}
	}
	wave := map[string]int{}
	last := 0
	for _, c := range slices.Backward(order) { // each dependent before its dependencies
		for _, d := range deps(c) {
			wave[d] = max(wave[d], wave[names(c)]+1)
			last = max(last, wave[d])
		}
	}
	out := make([][]container.Summary, last+1)
	for _, c := range order {
		out[wave[names(c)]] = append(out[wave[names(c)]], c)
	}
	return out
}
