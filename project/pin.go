package project

import "github.com/sommelier-arena/arena-dev/config"

// pinPorts adds the pinned ports of services that still exist (and still have
// a port) to those not set by --port.
func pinPorts(cp *config.Project, pinned, ports map[string]int) {
	for name, port := range pinned {
		if _, set := ports[name]; set || port == 0 {
			continue
		}
		if s, ok := cp.File.Services[name]; name == AnswersService || (ok && s.Port != 0) {
			ports[name] = port
		}
	}
}

// Ports are the model's ports by service (those with one): what PinPorts takes.
func (p *Project) Ports() map[string]int {
	out := map[string]int{}
	for _, s := range p.Services {
		if s.Port != 0 {
			out[s.Name] = s.Port
		}
	}
	return out
}
