package compose

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// Down stops and removes every container and network with the project's label
// (so also what a failed or interrupted Up left), and its volumes when volumes is set.
func Down(ctx context.Context, cli client.APIClient, name string, volumes bool, progress io.Writer) error {
	say := func(format string, a ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", a...)
		}
	}
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(name)})
	if err != nil {
		return fmt.Errorf("listing containers: %w", err)
	}
	// Dependents go before what they depend on (the reverse of the start order),
	// each wave of containers that depend on nothing left removed in parallel.
	for _, wave := range stopWaves(cs) {
		var wg sync.WaitGroup
		errs := make([]error, len(wave))
		for i, c := range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = removeContainer(ctx, cli, c.ID)
			}()
		}
		wg.Wait()
		for i, c := range wave {
			if errs[i] != nil {
				return errs[i]
			}
			say("removed container %s", containerName(c))
		}
	}
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		return fmt.Errorf("listing networks: %w", err)
	}
	for _, n := range nets {
		if err := cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing network %s: %w", n.Name, err)
		}
		say("removed network %s", n.Name)
	}
	if !volumes {
		return nil
	}
	vols, err := cli.VolumeList(ctx, volume.ListOptions{Filters: projectFilter(name)})
	if err != nil {
		return fmt.Errorf("listing volumes: %w", err)
	}
	for _, v := range vols.Volumes {
		if err := cli.VolumeRemove(ctx, v.Name, true); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("removing volume %s: %w", v.Name, err)
		}
		say("removed volume %s", v.Name)
	}
	return nil
}

func containerName(c container.Summary) string {
	if len(c.Names) > 0 {
		return c.Names[0][1:] // the API prefixes "/"
	}
	return c.ID[:12]
}
