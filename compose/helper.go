package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// helper is a container of arena-dev's own image with the project's volumes
// mounted, never started unless a file must be removed: the Engine API copies
// archives into and out of a created container's volumes, so it is how files
// cross to an engine that shares no disk with this machine.
type helper struct {
	cli      client.APIClient
	id       string
	uid, gid int // the owner of what it copies in
}

func newHelper(ctx context.Context, cli client.APIClient, p *Project) (*helper, error) {
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := p.Name + "-arena-sync-" + hex.EncodeToString(suffix[:])
	labels := p.commonLabels()
	labels[LabelService] = "arena-sync"
	labels[LabelOneoff] = "True" // as `docker compose run`'s: ps and wait skip it, down removes it
	cfg := &container.Config{Image: p.SelfImage, Entrypoint: []string{"/arena-dev"},
		Cmd: []string{"compose", "volume-rm", appDir, appDir + "/" + removeList}, User: p.owner(), Labels: labels}
	host := &container.HostConfig{Mounts: []mount.Mount{
		{Type: mount.TypeVolume, Source: p.AppVolume(), Target: appDir},
		{Type: mount.TypeVolume, Source: p.StateVolume(), Target: stateDir},
	}}
	c, err := cli.ContainerCreate(ctx, cfg, host, nil, nil, name)
	if err != nil {
		return nil, fmt.Errorf("creating the copy helper %s: %w", name, err)
	}
	uid, gid := p.ownerIDs()
	return &helper{cli: cli, id: c.ID, uid: uid, gid: gid}, nil
}

func (h *helper) remove(ctx context.Context) {
	// A cancelled context (Ctrl-C) must not leave the helper behind.
	_ = h.cli.ContainerRemove(context.WithoutCancel(ctx), h.id, container.RemoveOptions{Force: true})
}

// put extracts the tar that write produces at dir in the helper.
func (h *helper) put(ctx context.Context, dir string, write func(*tar.Writer) error) error {
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := write(tw)
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err := h.cli.CopyToContainer(ctx, h.id, dir, pr, container.CopyToContainerOptions{AllowOverwriteDirWithFile: true})
	pr.CloseWithError(errors.New("copy ended"))
	return err
}

// get reads one file out of the helper's volumes; ok is false when it is absent.
func (h *helper) get(ctx context.Context, path string) (data []byte, ok bool, err error) {
	rc, _, err := h.cli.CopyFromContainer(ctx, h.id, path)
	if errdefs.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading %s from the volume: %w", path, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	if _, err := tr.Next(); err != nil {
		return nil, false, fmt.Errorf("reading %s from the volume: %w", path, err)
	}
	var b bytes.Buffer
	if _, err := io.Copy(&b, tr); err != nil {
		return nil, false, fmt.Errorf("reading %s from the volume: %w", path, err)
	}
	return b.Bytes(), true, nil
}

// run starts the helper (compose volume-rm) and waits for it to exit 0.
func (h *helper) run(ctx context.Context) error {
	wait, errc := h.cli.ContainerWait(ctx, h.id, container.WaitConditionNextExit)
	if err := h.cli.ContainerStart(ctx, h.id, container.StartOptions{}); err != nil {
		return fmt.Errorf("starting the copy helper: %w", err)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("waiting for the copy helper: %w", err)
	case res := <-wait:
		if res.StatusCode != 0 {
			return fmt.Errorf("the copy helper exited %d: %s", res.StatusCode, h.logs(ctx))
		}
		return nil
	}
}

func (h *helper) logs(ctx context.Context) string {
	rc, err := h.cli.ContainerLogs(ctx, h.id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 4096))
	return string(bytes.TrimSpace(b))
}
