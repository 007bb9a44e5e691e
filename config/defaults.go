package config

import (
	"os"
	"path/filepath"
)

// Default ports: wrangler dev's, partykit dev's and astro dev's own.
const (
	DefaultAnswersPort  = 8787
	DefaultPartyKitPort = 1999
	DefaultAstroPort    = 4321
)

// Defaults describe the Sommelier Arena layout in dir: a PartyKit project and an Astro
// site sharing one package.json, and the wine-answers Worker's wrangler.toml.
func Defaults(dir string) File {
	f := File{Services: defaultServices()}
	f.Answers = defaultAnswers(dir)
	return f
}

func defaultAnswers(dir string) Answers {
	a := Answers{Host: "127.0.0.1", Port: DefaultAnswersPort, Binding: "ANSWERS"}
	for _, c := range []string{"wine-answers-worker/wrangler.toml", "wrangler.toml"} {
		if _, err := os.Stat(filepath.Join(dir, c)); err == nil {
			a.WranglerConfig = c
			break
		}
	}
	return a
}

func defaultServices() map[string]Service {
	return map[string]Service{
		"partykit": {
			// --disable-request-cf-fetch: otherwise it downloads cf.json at every start.
			Command: []string{"node_modules/.bin/partykit", "dev", "--port", "${PORT}", "--disable-request-cf-fetch"},
			Port:    DefaultPartyKitPort,
			Ready:   Ready{HTTP: "http://127.0.0.1:${PORT}/"},
		},
		"astro": {
			Command:   []string{"node_modules/.bin/astro", "dev", "--host", "127.0.0.1", "--port", "${PORT}"},
			Port:      DefaultAstroPort,
			DependsOn: []string{AnswersService},
			Ready:     Ready{HTTP: "http://127.0.0.1:${PORT}/"},
		},
	}
}

// applyDefaults fills what the file left out.
func (p *Project) applyDefaults() {
	def := defaultAnswers(p.Dir)
	a := &p.File.Answers
	if a.Host == "" {
		a.Host = def.Host
	}
	if a.Port == 0 {
		a.Port = def.Port
	}
	if a.WranglerConfig == "" && a.NamespaceID == "" {
		a.WranglerConfig = def.WranglerConfig
	}
	if a.Binding == "" && a.NamespaceID == "" {
		a.Binding = def.Binding
	}
	if p.File.Services == nil {
		p.File.Services = defaultServices()
	}
}
