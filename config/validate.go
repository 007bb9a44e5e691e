package config

import (
	"fmt"
	"sort"
	"strings"
)

// validate checks the file as written, what the decoder cannot: ports, modes,
// commands, probes, restart policies. Names and the dependency graph are the
// model's to check (package project has the one rule and the one order).
func (p *Project) validate() error {
	a := p.File.Answers
	if a.Port < 1 || a.Port > 65535 {
		return p.errAt("answers.port", "%d is not a TCP port (1-65535)", a.Port)
	}
	if a.Mode != "" && a.Mode != ModeGo && a.Mode != ModeWorker {
		return p.errAt("answers.mode", "%q: want \"go\" (the default) or \"worker\"", a.Mode)
	}
	if a.Binding == "" && a.NamespaceID == "" {
		return p.errAt("answers", "set binding or namespace_id")
	}
	if a.KVConsistency != "" && a.KVConsistency != "strong" && a.KVConsistency != "edge" {
		return p.errAt("answers.kv_consistency", "%q: want \"strong\" (the default) or \"edge\"", a.KVConsistency)
	}
	if a.KVLimits != "" && a.KVLimits != "off" && a.KVLimits != "production" && a.KVLimits != "free" {
		return p.errAt("answers.kv_limits", "%q: want \"off\" (the default), \"production\" or \"free\"", a.KVLimits)
	}
	ports := map[int]string{a.Port: "answers"}
	for _, name := range p.ServiceNames() {
		if err := p.validateService(name, ports); err != nil {
			return err
		}
	}
	_, err := p.CORSOrigins()
	return err
}

func (p *Project) validateService(name string, ports map[int]string) error {
	s := p.File.Services[name]
	key := "services." + name
	if name == AnswersService {
		return p.errAt(key, "%q is the built-in answers API; configure it under [answers]", name)
	}
	switch {
	case len(s.Command) > 0 && s.Shell != "":
		return p.errAt(key, "set command (an argv) or shell (a /bin/sh line), not both")
	case len(s.Command) == 0 && s.Shell == "":
		return p.errAt(key, "missing command")
	case len(s.Command) > 0 && s.Command[0] == "":
		return p.errAt(key+".command", "the program name is empty")
	}
	if s.Port < 0 || s.Port > 65535 {
		return p.errAt(key+".port", "%d is not a TCP port (1-65535)", s.Port)
	}
	if s.Port != 0 {
		if other, taken := ports[s.Port]; taken {
			return p.errAt(key+".port", "port %d is also %s's", s.Port, other)
		}
		ports[s.Port] = name
	}
	n := 0
	for _, set := range []bool{s.Ready.HTTP != "", s.Ready.TCP != "", s.Ready.Log.Regexp != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return p.errAt(key+".ready", "set one of http, tcp or log")
	}
	if s.Restart.Policy != "" && !policies[s.Restart.Policy] {
		return p.errAt(key+".restart.policy", "%q: want \"no\", \"on-failure\" or \"always\"", s.Restart.Policy)
	}
	if s.Restart.MaxRestarts != nil && *s.Restart.MaxRestarts < 0 {
		return p.errAt(key+".restart.max_restarts", "must not be negative")
	}
	if err := p.validateWatch(key, s); err != nil {
		return err
	}
	_, err := p.expandService(name, s)
	return err
}

func (p *Project) allNames() []string {
	return append([]string{AnswersService}, p.ServiceNames()...)
}

// SetPorts overrides services' ports (the --port name=N flags) before expansion,
// all at once: swapping two ports is fine, only the result must be valid.
func (p *Project) SetPorts(ports map[string]int) error {
	flag := func(name string) string { return fmt.Sprintf("--port %s=%d", name, ports[name]) }
	names := make([]string, 0, len(ports))
	for n := range ports {
		names = append(names, n)
	}
	sort.Strings(names)
	oldAnswers := p.File.Answers.Port
	oldServices := make(map[string]Service, len(p.File.Services))
	for n, s := range p.File.Services {
		oldServices[n] = s
	}
	for _, name := range names {
		port := ports[name]
		if port < 1 || port > 65535 {
			return fmt.Errorf("%s: not a TCP port (1-65535)", flag(name))
		}
		if name == AnswersService {
			p.File.Answers.Port = port
			continue
		}
		s, ok := p.File.Services[name]
		if !ok {
			return fmt.Errorf("%s: unknown service %q (have %s)", flag(name), name, strings.Join(p.allNames(), ", "))
		}
		s.Port = port
		p.File.Services[name] = s
	}
	if err := p.validate(); err != nil {
		p.File.Answers.Port, p.File.Services = oldAnswers, oldServices
		return fmt.Errorf("--port: %w", err)
	}
	return nil
}
