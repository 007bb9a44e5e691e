package compose

import (
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// Sync is how the project's files reach the containers.
type Sync string

const (
	// SyncBind bind-mounts the app folder and the state: the engine must see this
	// machine's files (a local engine); live edits need nothing more.
	SyncBind Sync = "bind"
	// SyncVolume copies the app and the state into named volumes through the
	// Engine API: any engine works (a remote one, CI's docker:dind); live edits
	// reach the containers with `compose sync`.
	SyncVolume Sync = "volume"
	// SyncAuto picks bind when the engine can see the project's folder, volume
	// otherwise (ChooseSync).
	SyncAuto Sync = "auto"
)

// ParseSync reads --sync.
func ParseSync(s string) (Sync, error) {
	switch m := Sync(s); m {
	case SyncBind, SyncVolume, SyncAuto:
		return m, nil
	}
	return "", fmt.Errorf("--sync %q: want bind, volume or auto", s)
}

// labelSync records on every container how its files got there, for ps.
const labelSync = "dev.arena.sync"

// stateDir is where the KV state is mounted in the answers (and Worker) container.
const stateDir = "/state"

// runDirIn is the answers container's run folder (its snapshots, the start
// state POST /_arena/reset restores): inside the state, so it lives and dies
// with it. The emulator reads only the state's kv folder.
const runDirIn = stateDir + "/arena-dev"

// AppVolume and StateVolume name the project's volumes as docker compose names a
// volume declared in a compose file: <project>_<volume>.
func (p *Project) AppVolume() string   { return p.Name + "_app" }
func (p *Project) StateVolume() string { return p.Name + "_state" }

// UseVolumes switches the project to volume mode: every bind mount of the app
// folder or the state becomes a mount of the project's volume holding a copy.
// Other bind mounts (the engine's socket, which only a local engine has) go.
func (p *Project) UseVolumes(reason string) {
	p.Sync, p.SyncReason = SyncVolume, reason
	for i := range p.Services {
		s := &p.Services[i]
		for _, m := range s.Mounts {
			switch m.Source {
			case p.Dir:
				s.Volumes = append(s.Volumes, Mount{p.AppVolume(), m.Target})
			case p.StateDir:
				s.Volumes = append(s.Volumes, Mount{p.StateVolume(), m.Target})
			}
		}
		s.Mounts = nil
		if s.Image == p.SelfImage {
			s.GroupAdd = nil // the socket went with the bind mounts
			s.Command = dropFlag(s.Command, "--compose-project")
		}
	}
}

// dropFlag removes "--flag value" from argv.
func dropFlag(argv []string, flag string) []string {
	out := argv[:0:0]
	for i := 0; i < len(argv); i++ {
		if argv[i] == flag && i+1 < len(argv) {
			i++
			continue
		}
		out = append(out, argv[i])
	}
	return out
}

// volumeLabels are a project volume's labels (docker compose's, so `docker
// compose -p NAME down -v` removes it too).
func (p *Project) volumeLabels(name string) map[string]string {
	l := p.commonLabels()
	l[LabelVolume] = strings.TrimPrefix(name, p.Name+"_")
	return l
}

// ensureVolume creates the named volume unless it exists; it reports whether it
// created it. A volume of that name from another project is an error.
func ensureVolume(ctx context.Context, cli client.APIClient, p *Project, name string) (bool, error) {
	v, err := cli.VolumeInspect(ctx, name)
	switch {
	case err == nil:
		if v.Labels[LabelProject] != p.Name {
			return false, fmt.Errorf("volume %s exists but does not belong to project %s: remove it (`docker volume rm %s`) or pick another --project", name, p.Name, name)
		}
		return false, nil
	case !errdefs.IsNotFound(err):
		return false, fmt.Errorf("inspecting volume %s: %w", name, err)
	}
	if _, err := cli.VolumeCreate(ctx, volume.CreateOptions{Name: name, Labels: p.volumeLabels(name)}); err != nil {
		return false, fmt.Errorf("creating volume %s: %w", name, err)
	}
	return true, nil
}

// prepareVolumes creates the project's volumes and fills them: the state only
// when its volume is new (from then on the state lives in the volume, and
// `compose down` keeps it), the app each time with what changed (Sync).
func prepareVolumes(ctx context.Context, cli client.APIClient, p *Project, say func(string, ...any)) error {
	if _, err := ensureVolume(ctx, cli, p, p.AppVolume()); err != nil {
		return err
	}
	newState, err := ensureVolume(ctx, cli, p, p.StateVolume())
	if err != nil {
		return err
	}
	h, err := newHelper(ctx, cli, p)
	if err != nil {
		return err
	}
	defer h.remove(ctx)
	if newState {
		n, err := h.copyTree(ctx, p.StateDir, stateDir, nil)
		if err != nil {
			return fmt.Errorf("copying the state into volume %s: %w", p.StateVolume(), err)
		}
		say("created volume %s with the state (%d files from %s)", p.StateVolume(), n, p.StateDir)
	}
	res, err := h.syncApp(ctx, p)
	if err != nil {
		return err
	}
	say("volume %s: %s", p.AppVolume(), res)
	return nil
}

// volumeMode reads back, from the project's containers, how they get their files.
func volumeMode(ctx context.Context, cli client.APIClient, name string) (Sync, error) {
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true,
		Filters: projectFilter(name, filters.Arg("label", LabelOneoff+"=False"))})
	if err != nil {
		return "", fmt.Errorf("listing containers: %w", err)
	}
	for _, c := range cs {
		if m := c.Labels[labelSync]; m != "" {
			return Sync(m), nil
		}
	}
	return "", nil
}
