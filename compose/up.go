package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/docker/go-connections/nat"
)

// UpOptions tune Up.
type UpOptions struct {
	Binary      string        // the static arena-dev binary for the self image (os.Executable)
	Wait        bool          // return only when every service is healthy
	WaitTimeout time.Duration // default 3 minutes
	Progress    io.Writer     // one line per step; nil for none
}

// PortTakenError is a host port already in use.
type PortTakenError struct {
	Service string
	Port    int
	Err     error
}

func (e *PortTakenError) Error() string {
	return fmt.Sprintf("port %d on 127.0.0.1 for service %s is taken (%v): stop what holds it or choose another with --port %s=N",
		e.Port, e.Service, e.Err, e.Service)
}

// Up creates what is missing or changed and starts the stack: the self image,
// the project network, then each service once the services it depends on are
// healthy. After a failure everything created so far stays for inspection
// (`compose logs`); Down removes it all.
func Up(ctx context.Context, cli client.APIClient, p *Project, o UpOptions) error {
	say := func(format string, a ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", a...)
		}
	}
	if o.WaitTimeout <= 0 {
		o.WaitTimeout = 3 * time.Minute
	}
	built, err := BuildSelfImage(ctx, cli, o.Binary, p.SelfImage)
	if err != nil {
		return err
	}
	if built {
		say("built image %s from %s", p.SelfImage, o.Binary)
	}
	services := make([]Service, len(p.Services))
	for i, s := range p.Services {
		if s.ImageID, err = imageID(ctx, cli, s.Image, s.Name); err != nil {
			return err
		}
		services[i] = s
	}
	if p.Sync == SyncVolume {
		if err := prepareVolumes(ctx, cli, p, say); err != nil {
			return err
		}
	} else if err := os.MkdirAll(p.StateDir, 0o755); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	netID, err := ensureNetwork(ctx, cli, p)
	if err != nil {
		return err
	}
	for _, s := range services {
		if err := waitHealthy(ctx, cli, p, s.DependsOn, o.WaitTimeout); err != nil {
			return err
		}
		started, err := ensureContainer(ctx, cli, p, s, netID)
		if err != nil {
			return err
		}
		if started && s.HostPort != 0 {
			say("started %s (%s) on http://%s", p.ContainerName(s.Name), s.Image, net.JoinHostPort(PublishedHost(), strconv.Itoa(s.HostPort)))
		} else if started {
			say("started %s (%s)", p.ContainerName(s.Name), s.Image)
		} else {
			say("%s is up to date", p.ContainerName(s.Name))
		}
	}
	if o.Wait {
		if err := waitHealthy(ctx, cli, p, p.ServiceNames(), o.WaitTimeout); err != nil {
			return err
		}
		say("all services are healthy")
	}
	return nil
}

// projectFilter selects what carries the project's label.
func projectFilter(name string, extra ...filters.KeyValuePair) filters.Args {
	return filters.NewArgs(append(extra, filters.Arg("label", LabelProject+"="+name))...)
}

func ensureNetwork(ctx context.Context, cli client.APIClient, p *Project) (string, error) {
	name := p.NetworkName()
	nets, err := cli.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return "", fmt.Errorf("listing networks: %w", err)
	}
	for _, n := range nets {
		if n.Name != name { // the name filter matches substrings
			continue
		}
		if n.Labels[LabelProject] != p.Name {
			return "", fmt.Errorf("network %s exists but does not belong to project %s: remove it (`docker network rm %s`) or pick another --project", name, p.Name, name)
		}
		return n.ID, nil
	}
	resp, err := cli.NetworkCreate(ctx, name, network.CreateOptions{Driver: "bridge", Labels: p.NetworkLabels()})
	if err != nil {
		return "", fmt.Errorf("creating network %s: %w", name, err)
	}
	return resp.ID, nil
}

// ensureContainer keeps a running container whose config hash matches and
// replaces anything else; it reports whether it started one.
func ensureContainer(ctx context.Context, cli client.APIClient, p *Project, s Service, netID string) (bool, error) {
	name := p.ContainerName(s.Name)
	labels := p.ContainerLabels(s)
	old, err := cli.ContainerInspect(ctx, name)
	switch {
	case err == nil:
		if old.Config.Labels[LabelProject] != p.Name {
			return false, fmt.Errorf("container %s exists but does not belong to project %s: remove it or pick another --project", name, p.Name)
		}
		if old.Config.Labels[LabelConfigHash] == labels[LabelConfigHash] && old.State != nil && old.State.Running {
			return false, nil
		}
		if err := removeContainer(ctx, cli, old.ID); err != nil {
			return false, err
		}
	case !errdefs.IsNotFound(err):
		return false, fmt.Errorf("inspecting %s: %w", name, err)
	}
	if s.HostPort != 0 && LocalSocket() != "" { // a remote engine's ports are not this machine's
		if err := checkPortFree(s); err != nil {
			return false, err
		}
	}
	cfg, host, netCfg := containerSpec(p, s, labels, netID)
	created, err := cli.ContainerCreate(ctx, cfg, host, netCfg, nil, name)
	if err != nil {
		return false, fmt.Errorf("creating %s: %w", name, err)
	}
	if err := cli.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		if msg := err.Error(); strings.Contains(msg, "already allocated") || strings.Contains(msg, "address already in use") {
			return false, &PortTakenError{Service: s.Name, Port: s.HostPort, Err: errors.New("the engine says so")}
		}
		return false, fmt.Errorf("starting %s: %w", name, err)
	}
	return true, nil
}

// checkPortFree binds the host port for a moment: a clear error before the
// engine gives a vague one.
func checkPortFree(s Service) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.HostPort)))
	if err != nil {
		return &PortTakenError{Service: s.Name, Port: s.HostPort, Err: err}
	}
	return l.Close()
}

func containerSpec(p *Project, s Service, labels map[string]string, netID string) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	cfg := &container.Config{
		Image: s.Image, Entrypoint: s.Entrypoint, Cmd: s.Command, Env: s.Env,
		WorkingDir: s.WorkingDir, User: s.User, Labels: labels,
	}
	if s.Health != nil {
		cfg.Healthcheck = &container.HealthConfig{
			Test: s.Health, Interval: healthInterval, Timeout: healthTimeout,
			StartPeriod: 3 * time.Minute, Retries: 3,
		}
	}
	init := true // docker-init as pid 1: signals reach the tool, zombies are reaped
	host := &container.HostConfig{
		Tmpfs:    map[string]string{"/tmp": ""},
		Init:     &init,
		GroupAdd: s.GroupAdd,
	}
	if s.ContainerPort != 0 {
		port := nat.Port(fmt.Sprintf("%d/tcp", s.ContainerPort))
		cfg.ExposedPorts = nat.PortSet{port: {}}
		host.PortBindings = nat.PortMap{port: {{HostIP: p.PublishIP, HostPort: strconv.Itoa(s.HostPort)}}}
	}
	for _, m := range s.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target})
	}
	for _, m := range s.Volumes {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Source: m.Source, Target: m.Target})
	}
	netCfg := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		p.NetworkName(): {NetworkID: netID, Aliases: []string{s.Name}},
	}}
	return cfg, host, netCfg
}

// healthInterval is short: --wait should notice readiness within a second.
const healthInterval = time.Second

// healthTimeout is long: a check starts a node process, which on a loaded
// two-core machine can take several seconds before it even connects.
const healthTimeout = 10 * time.Second

func removeContainer(ctx context.Context, cli client.APIClient, id string) error {
	timeout := 5
	if err := cli.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout}); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stopping %s: %w", id, err)
	}
	err := cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("removing %s: %w", id, err)
	}
	return nil
}
