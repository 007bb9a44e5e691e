package compose

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
)

// ChooseSync settles the sync mode of p (which NewProject made bind): volume
// when asked, and under auto when DOCKER_HOST is not a Unix socket or a probe
// shows that the engine does not see the project's folder as this machine does.
// The probe needs arena-dev's image (built from bin when missing).
func ChooseSync(ctx context.Context, cli client.APIClient, p *Project, mode Sync, bin string) error {
	switch mode {
	case SyncBind:
		p.SyncReason = "--sync bind"
		return nil
	case SyncVolume:
		p.UseVolumes("--sync volume")
		return nil
	}
	if host := os.Getenv("DOCKER_HOST"); host != "" && LocalSocket() == "" {
		p.UseVolumes("auto: DOCKER_HOST " + host + " is not a local socket")
		return nil
	}
	if _, err := BuildSelfImage(ctx, cli, bin, p.SelfImage); err != nil {
		return err
	}
	sees, why, err := engineSees(ctx, cli, p)
	if err != nil {
		return err
	}
	if !sees {
		p.UseVolumes("auto: " + why)
		return nil
	}
	p.SyncReason = "auto: the engine sees " + p.Dir
	return nil
}

// engineSees bind-mounts the project folder into a container that is created,
// never started, and stats a file of it through the Engine API: the engine sees
// the folder when the file is there with the size and time it has here.
func engineSees(ctx context.Context, cli client.APIClient, p *Project) (bool, string, error) {
	probe, err := probeFile(p.Dir)
	if err != nil {
		return false, "", err
	}
	if probe == nil {
		return true, "", nil // an empty folder: nothing to tell apart, and nothing to copy
	}
	labels := p.commonLabels()
	labels[LabelService], labels[LabelOneoff] = "arena-probe", "True"
	cfg := &container.Config{Image: p.SelfImage, Entrypoint: []string{"/arena-dev"}, Labels: labels}
	host := &container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeBind, Source: p.Dir, Target: "/probe", ReadOnly: true}}}
	c, err := cli.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		// The usual answer of an engine elsewhere: "bind source path does not exist".
		return false, fmt.Sprintf("the engine cannot mount %s (%v)", p.Dir, err), nil
	}
	defer cli.ContainerRemove(context.WithoutCancel(ctx), c.ID, container.RemoveOptions{Force: true})
	st, err := cli.ContainerStatPath(ctx, c.ID, path.Join("/probe", probe.Name()))
	if err != nil {
		return false, fmt.Sprintf("the engine does not see %s in %s", probe.Name(), p.Dir), nil
	}
	if st.Size != probe.Size() || !st.Mtime.Equal(probe.ModTime()) {
		return false, fmt.Sprintf("the engine's %s is another folder (its %s differs)", p.Dir, probe.Name()), nil
	}
	return true, "", nil
}

// probeFile is the project folder's first regular file by name, nil if none.
func probeFile(dir string) (os.FileInfo, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the project folder: %w", err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		if e.Type().IsRegular() {
			return os.Stat(filepath.Join(dir, e.Name()))
		}
	}
	return nil, nil
}
