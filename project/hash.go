package project

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/config"
)

// processView is what a service's process is started from: what, if it changes,
// only a restart can apply. Whether it runs (Disabled) and what arena-dev watches
// for it are not part of it; env files are, through the Env they fill. The
// in-process answers API is also its Answers: port, host, CORS, consistency, KV.
type processView struct {
	Service Service
	Answers *Answers `json:",omitempty"`
}

func (p *Project) view(s Service) processView {
	s.Disabled, s.DisabledWhy = false, ""
	s.EnvFiles, s.Watch, s.Ignore, s.Cascade = nil, nil, nil, false
	v := processView{Service: s}
	if s.Name == AnswersService {
		a := p.Answers
		a.CORSFrom = "" // where the origins came from: words for messages
		v.Answers = &a
	}
	return v
}

// ConfigHash is a service's config hash, as docker compose's
// com.docker.compose.config-hash: equal hashes, nothing to restart. "" when the
// project has no such service.
func (p *Project) ConfigHash(name string) string {
	s, ok := p.Service(name)
	if !ok {
		return ""
	}
	b, err := json.Marshal(p.view(s))
	if err != nil { // the model is plain data; a failure here is a programming error
		panic("project: hashing " + name + ": " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// ConfigHashes are every service's config hash, by name.
func (p *Project) ConfigHashes() map[string]string {
	out := make(map[string]string, len(p.Services))
	for _, s := range p.Services {
		out[s.Name] = p.ConfigHash(s.Name)
	}
	return out
}

// Sources are the files the model was made from, that `up --watch` follows:
// arena-dev.toml (where it would be, when the defaults were used), the Worker's
// wrangler config and its .dev.vars, and every service's env files.
func (p *Project) Sources() []string {
	cfg := p.ConfigFile
	if cfg == "" {
		cfg = filepath.Join(p.Root, config.FileName)
	}
	out := []string{cfg}
	seen := map[string]bool{cfg: true}
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if w := p.Answers.WranglerConfig; w != "" {
		add(w)
		add(filepath.Join(filepath.Dir(w), ".dev.vars"))
	}
	for _, s := range p.Services {
		for _, f := range s.EnvFiles {
			add(f)
		}
	}
	return out
}
