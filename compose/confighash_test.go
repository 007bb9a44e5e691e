package compose

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sommelier-arena/arena-dev/project"
)

// TestChangedServiceAloneGetsANewHash: `compose up` on a running project keeps
// every container whose config hash is unchanged (ensureContainer); editing one
// service's env in arena-dev.toml must change that service's hash alone, so only
// its container is recreated.
func TestChangedServiceAloneGetsANewHash(t *testing.T) {
	dir := appFolder(t, exampleWrangler)
	toml := filepath.Join(dir, "arena-dev.toml")
	hashes := func(astroEnv string) map[string]string {
		t.Helper()
		body := "[services.partykit]\ncommand = [\"node_modules/.bin/partykit\", \"dev\", \"--port\", \"${PORT}\"]\nport = 1999\n" +
			"[services.astro]\ncommand = [\"node_modules/.bin/astro\", \"dev\", \"--port\", \"${PORT}\"]\nport = 4321\ndepends_on = [\"answers\"]\n" +
			"env = { ARENA_X = \"" + astroEnv + "\" }\n"
		if err := os.WriteFile(toml, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := newProject(t, dir, project.Options{}, Options{Name: "arena", Version: "0.9.0"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, n := range []string{"answers", "partykit", "astro"} {
			s, ok := p.Service(n)
			if !ok {
				t.Fatalf("no service %s", n)
			}
			out[n] = p.ContainerLabels(s)[LabelConfigHash]
		}
		return out
	}
	before, after := hashes("1"), hashes("2")
	for n, want := range map[string]bool{"answers": false, "partykit": false, "astro": true} {
		if changed := before[n] != after[n]; changed != want {
			t.Errorf("%s: hash changed = %v, want %v (%s -> %s)", n, changed, want, before[n], after[n])
		}
	}
}
