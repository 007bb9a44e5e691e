package orchestrate

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/project"
)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// Defaults for the zero values of a ServiceSpec: the model's.
const (
	DefaultMaxRestarts   = project.DefaultMaxRestarts
	DefaultBackoff       = project.DefaultBackoff
	DefaultBackoffMax    = project.DefaultBackoffMax
	DefaultWindow        = project.DefaultWindow
	DefaultStopTimeout   = project.DefaultStopTimeout
	DefaultProbeInterval = project.DefaultProbeInterval
	DefaultProbeTimeout  = project.DefaultProbeTimeout
)

// validate checks the specs and returns them with defaults applied, in start
// (dependency) order.
func validate(specs []ServiceSpec) ([]ServiceSpec, error) {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("service %q: %s", name, fmt.Sprintf(format, a...)))
	}
	byName := map[string]int{}
	ports := map[int]string{}
	out := make([]ServiceSpec, len(specs))
	for i, s := range specs {
		if !validName.MatchString(s.Name) {
			bad(s.Name, "name must be letters, digits, '-', '_' or '.'")
		}
		if _, dup := byName[s.Name]; dup {
			bad(s.Name, "defined twice")
		}
		byName[s.Name] = i
		switch {
		case len(s.Command) == 0 && s.Run == nil:
			bad(s.Name, "needs a command")
		case len(s.Command) > 0 && s.Run != nil:
			bad(s.Name, "has both a command and an in-process Run")
		case s.Shell && len(s.Command) != 1:
			bad(s.Name, "a shell command is one string, got %d", len(s.Command))
		}
		if s.Port < 0 || s.Port > 65535 {
			bad(s.Name, "port %d out of range", s.Port)
		} else if s.Port != 0 {
			if other, dup := ports[s.Port]; dup {
				bad(s.Name, "port %d is also service %q's", s.Port, other)
			}
			ports[s.Port] = s.Name
		}
		switch s.Probe.Kind {
		case project.ProbeHTTP:
			if !strings.HasPrefix(s.Probe.URL, "http://") && !strings.HasPrefix(s.Probe.URL, "https://") {
				bad(s.Name, "HTTP readiness probe needs an http:// URL, got %q", s.Probe.URL)
			}
		case project.ProbeTCP:
			if !strings.Contains(s.Probe.Address, ":") {
				bad(s.Name, "TCP readiness probe needs host:port, got %q", s.Probe.Address)
			}
		case project.ProbeLog:
			if s.Probe.Pattern == nil {
				bad(s.Name, "log readiness probe needs a pattern")
			}
		case project.ProbeNone:
		default:
			bad(s.Name, "unknown probe kind %d", s.Probe.Kind)
		}
		for _, d := range []struct {
			name string
			v    time.Duration
		}{{"backoff", s.Backoff}, {"backoff_max", s.BackoffMax}, {"window", s.Window},
			{"stop_timeout", s.StopTimeout}, {"probe interval", s.Probe.Interval}, {"probe timeout", s.Probe.Timeout}} {
			if d.v < 0 {
				bad(s.Name, "%s is negative (%s)", d.name, d.v)
			}
		}
		if s.MaxRestarts < 0 {
			bad(s.Name, "max_restarts is negative (%d)", s.MaxRestarts)
		}
		out[i] = withDefaults(s)
	}
	for _, s := range specs {
		for _, d := range s.DependsOn {
			if d == s.Name {
				bad(s.Name, "depends on itself")
			} else if _, ok := byName[d]; !ok {
				bad(s.Name, "depends_on names unknown service %q", d)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return startOrder(out)
}

func withDefaults(s ServiceSpec) ServiceSpec {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if s.MaxRestarts == 0 {
		s.MaxRestarts = DefaultMaxRestarts
	}
	def(&s.Backoff, DefaultBackoff)
	def(&s.BackoffMax, DefaultBackoffMax)
	def(&s.Window, DefaultWindow)
	def(&s.StopTimeout, DefaultStopTimeout)
	def(&s.Probe.Interval, DefaultProbeInterval)
	def(&s.Probe.Timeout, DefaultProbeTimeout)
	if s.FailPatterns == nil {
		s.FailPatterns = project.DefaultFailPatterns
	}
	return s
}

// startOrder sorts specs so each comes after its dependencies (keeping the given
// order among independent ones), or names a cycle.
func startOrder(specs []ServiceSpec) ([]ServiceSpec, error) {
	idx := map[string]int{}
	for i, s := range specs {
		idx[s.Name] = i
	}
	const (
		unseen = iota
		visiting
		done
	)
	mark := make([]int, len(specs))
	var order []ServiceSpec
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		switch mark[i] {
		case done:
			return nil
		case visiting:
			start := 0
			for k, n := range path {
				if n == specs[i].Name {
					start = k
				}
			}
			cycle := append(append([]string{}, path[start:]...), specs[i].Name)
			return fmt.Errorf("dependency cycle: %s", strings.Join(cycle, " -> "))
		}
		mark[i] = visiting
		path = append(path, specs[i].Name)
		for _, d := range specs[i].DependsOn {
			if err := visit(idx[d]); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		mark[i] = done
		order = append(order, specs[i])
		return nil
	}
	for i := range specs {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}
