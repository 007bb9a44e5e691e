package config

import (
	"github.com/sommelier-arena/arena-dev/internal/glob"
)

// validateWatch checks a service's watch, ignore and cascade: globs relative to
// its dir, ignore and cascade only with watch.
func (p *Project) validateWatch(key string, s Service) error {
	for _, f := range []struct {
		name  string
		globs []string
	}{{"watch", s.Watch}, {"ignore", s.Ignore}} {
		for i, g := range f.globs {
			if _, err := glob.Compile(g); err != nil {
				return p.errAt(key+"."+f.name, "%s[%d]: %v", f.name, i, err)
			}
		}
	}
	if len(s.Watch) == 0 && len(s.Ignore) > 0 {
		return p.errAt(key+".ignore", "ignore narrows watch, which is not set")
	}
	if len(s.Watch) == 0 && s.Cascade {
		return p.errAt(key+".cascade", "cascade restarts dependants on a watch change; set watch")
	}
	return nil
}
