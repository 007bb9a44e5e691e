package orchestrate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/project"
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
		if err := project.CheckServiceName(s.Name); err != nil {
			errs = append(errs, err)
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
		s.Service = s.Service.WithDefaults()
		out[i] = s
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return startOrder(out)
}

// startOrder is the project's one dependency order (project.Order), which also
// rejects unknown and self dependencies and names a cycle.
func startOrder(specs []ServiceSpec) ([]ServiceSpec, error) {
	return project.Order(specs, func(s ServiceSpec) string { return s.Name }, func(s ServiceSpec) []string { return s.DependsOn })
}
