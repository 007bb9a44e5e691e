package compose

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// LogsOptions select and format `compose logs`.
type LogsOptions struct {
	Services []string // empty: all
	Follow   bool
	Tail     string // "all" or a number
	Color    svclog.ColorMode
}

// Logs writes the project's container logs to out as "[service] line", the format
// of `arena-dev up`. Without Follow, services come one after the other; with it,
// lines interleave as they arrive until ctx ends or every container stops.
func Logs(ctx context.Context, cli client.APIClient, name string, o LogsOptions, out io.Writer) error {
	rows, err := Ps(ctx, cli, name)
	if err != nil {
		return err
	}
	var known []string
	for _, r := range rows {
		known = append(known, r.Service)
	}
	if len(rows) == 0 {
		return fmt.Errorf("project %s has no containers: run `arena-dev compose up -p %s` first", name, name)
	}
	for _, s := range o.Services {
		if !slices.Contains(known, s) {
			return &UnknownServiceError{Project: name, Name: s, Known: known}
		}
	}
	if o.Tail == "" {
		o.Tail = "all"
	}
	var picked []ContainerStatus
	var names []string
	for _, r := range rows {
		if len(o.Services) == 0 || slices.Contains(o.Services, r.Service) {
			picked = append(picked, r)
			names = append(names, r.Service)
		}
	}
	lg, err := svclog.NewLogs(out, svclog.LogText, o.Color, "", names)
	if err != nil {
		return err
	}
	defer lg.Close()
	stream := func(r ContainerStatus) error {
		rc, err := cli.ContainerLogs(ctx, r.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: o.Follow, Tail: o.Tail})
		if err != nil {
			return fmt.Errorf("logs of %s: %w", r.Name, err)
		}
		defer rc.Close()
		stdout, stderr := lg.Writer(r.Service, "stdout", nil), lg.Writer(r.Service, "stderr", nil)
		_, err = stdcopy.StdCopy(stdout, stderr, rc)
		stdout.Flush()
		stderr.Flush()
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("logs of %s: %w", r.Name, err)
		}
		return nil
	}
	if !o.Follow {
		for _, r := range picked {
			if err := stream(r); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, len(picked))
	for i, r := range picked {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = stream(r) }()
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// UnknownServiceError: a command named a service the project's containers lack.
type UnknownServiceError struct {
	Project, Name string
	Known         []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("project %s has no service %q (it has: %s)", e.Project, e.Name, strings.Join(e.Known, ", "))
}
