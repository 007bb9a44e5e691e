//go:build linux

package compose

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestComposeVolumeModeOnAnEngineThatCannotSeeTheProject: against a dockerd that
// sees an empty folder where the project is, `compose up --wait` picks volume
// mode by itself and serves the seeded answers and the Astro page on the
// published ports with no bind mount at all; snapshot save and restore, kv
// export, compose sync and compose down (volumes kept) then down -v (nothing
// left on that engine) work through the Engine API alone.
func TestComposeVolumeModeOnAnEngineThatCannotSeeTheProject(t *testing.T) {
	requireEngine(t) // the machine's engine: only to skip where there is no Docker at all
	dir := testenv.ExampleCopy(t)
	e := startIsolatedEngine(t, dir)
	bin := testenv.ArenaDev(t)
	ctx := context.Background()

	// The second engine has no images and no registry: build the Node image on it
	// through the Engine API, from this machine's node.
	tag := "arena-dev-test/node:" + randomSuffix()
	if out, err := exec.Command(bin, "compose", "build-node-image", "--tag", tag, "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("build-node-image on the second engine: %v\n%s", err, out)
	}
	s := &composeStack{t: t, bin: bin, dir: dir, project: uniqueProject(t, e.Cli), image: tag, ports: map[string]int{}}
	for _, n := range exampleServices {
		s.ports[n] = testenv.FreePort(t)
	}

	if code, out := s.run("compose", "config"); code != 0 || !strings.Contains(out, "# sync: volume (auto: the engine ") ||
		!strings.Contains(out, "type: volume") || strings.Contains(out, "type: bind") {
		t.Fatalf("compose config: exit %d, want volume mode chosen by the probe and no bind mount:\n%s", code, out)
	}
	if code, out := s.run("compose", "up", "--wait", "--wait-timeout", "5m"); code != 0 || !strings.Contains(out, "sync: volume") {
		t.Fatalf("compose up --wait: exit %d\n%s", code, out)
	}

	var colors []struct{ ID, Label string }
	getJSON(t, s.url("answers", "/answers/color"), &colors)
	if len(colors) == 0 {
		t.Fatal("GET /answers/color: no seeded colours")
	}
	kept := postColor(t, s, "Volume teal "+randomSuffix())
	page := getBody(t, s.url("astro", "/"))
	if !strings.Contains(page, kept) {
		t.Fatalf("the Astro page does not show %q:\n%.2000s", kept, page)
	}

	for _, n := range exampleServices {
		c, err := e.Cli.ContainerInspect(ctx, s.project+"-"+n+"-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Mounts) == 0 {
			t.Errorf("%s has no mounts, want its volume", n)
		}
		for _, m := range c.Mounts {
			if m.Type != mount.TypeVolume || !strings.HasPrefix(m.Name, s.project+"_") {
				t.Errorf("%s mounts %s %s at %s, want only the project's volumes", n, m.Type, m.Source, m.Destination)
			}
		}
	}
	code, out := s.run("compose", "ps", "--json")
	var rows []ContainerStatus
	if err := json.Unmarshal([]byte(out), &rows); code != 0 || err != nil || len(rows) != 3 {
		t.Fatalf("compose ps --json: exit %d, %v\n%s", code, err, out)
	}
	for _, r := range rows {
		if r.Sync != "volume" || r.Health != "healthy" {
			t.Errorf("ps: %s sync %q health %q, want volume and healthy", r.Service, r.Sync, r.Health)
		}
	}

	// Snapshots live in the state volume; restore goes through the API inside.
	if code, out := s.run("compose", "snapshot", "save", "one"); code != 0 || !strings.Contains(out, `saved snapshot "one"`) {
		t.Fatalf("compose snapshot save: exit %d\n%s", code, out)
	}
	dropped := postColor(t, s, "Dropped "+randomSuffix())
	if code, out := s.run("compose", "kv-export"); code != 0 || !strings.Contains(out, dropped) {
		t.Fatalf("compose kv-export: exit %d, want %q in:\n%s", code, dropped, out)
	}
	if code, out := s.run("compose", "snapshot", "restore", "one"); code != 0 || !strings.Contains(out, `"restored":"one"`) {
		t.Fatalf("compose snapshot restore: exit %d\n%s", code, out)
	}
	if body := getBody(t, s.url("answers", "/answers/color")); !strings.Contains(body, kept) || strings.Contains(body, dropped) {
		t.Fatalf("after restoring: want %q and not %q in:\n%s", kept, dropped, body)
	}
	if code, out := s.run("compose", "snapshot", "restore", "nope"); code == 0 || !strings.Contains(out, "snapshot_not_found") {
		t.Fatalf("compose snapshot restore nope: exit %d\n%s", code, out)
	}

	// A live edit reaches the container with compose sync; astro dev serves it.
	marker := "synced-" + randomSuffix()
	f, err := os.OpenFile(filepath.Join(dir, "src", "pages", "index.astro"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\n<p>%s</p>\n", marker)
	f.Close()
	if code, out := s.run("compose", "sync"); code != 0 || !strings.Contains(out, "0 removed") {
		t.Fatalf("compose sync: exit %d\n%s", code, out)
	}
	waitFor(t, time.Minute, "the synced edit on the Astro page", func() bool {
		resp, err := http.Get(s.url("astro", "/"))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return strings.Contains(b.String(), marker)
	})

	// down keeps the state's volume; down -v leaves nothing on that engine.
	if code, out := s.run("compose", "down"); code != 0 {
		t.Fatalf("compose down: exit %d\n%s", code, out)
	}
	vols, err := e.Cli.VolumeList(ctx, volume.ListOptions{Filters: projectFilter(s.project)})
	if err != nil || len(vols.Volumes) != 2 {
		t.Fatalf("after compose down: volumes %v (%v), want the app's and the state's kept", vols.Volumes, err)
	}
	if code, out := s.run("compose", "down", "-v"); code != 0 || !strings.Contains(out, "removed volume "+s.project+"_state") {
		t.Fatalf("compose down -v: exit %d\n%s", code, out)
	}
	assertNothingLeft(t, e.Cli, s.project)
	cs, err := e.Cli.ContainerList(ctx, container.ListOptions{All: true})
	if err != nil || len(cs) != 0 {
		t.Errorf("the second engine still has %d containers (%v)", len(cs), err)
	}
	all, err := e.Cli.VolumeList(ctx, volume.ListOptions{})
	if err != nil || len(all.Volumes) != 0 {
		t.Errorf("the second engine still has volumes %v (%v)", all.Volumes, err)
	}
	nets, err := e.Cli.NetworkList(ctx, network.ListOptions{})
	for _, n := range nets {
		if n.Labels[LabelProject] != "" {
			t.Errorf("the second engine still has network %s (%v)", n.Name, err)
		}
	}
}
