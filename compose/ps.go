package compose

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/project"
)

// Publisher is a published port, as `docker compose ps --format json` shows it.
type Publisher struct {
	URL           string `json:"URL"`
	TargetPort    int    `json:"TargetPort"`
	PublishedPort int    `json:"PublishedPort"`
	Protocol      string `json:"Protocol"`
}

// ContainerStatus is one row of ps (field names follow docker compose's JSON).
type ContainerStatus struct {
	ID         string      `json:"ID"`
	Name       string      `json:"Name"`
	Project    string      `json:"Project"`
	Service    string      `json:"Service"`
	Image      string      `json:"Image"`
	Command    string      `json:"Command"`
	State      string      `json:"State"`
	Health     string      `json:"Health"`
	ExitCode   int         `json:"ExitCode"`
	Status     string      `json:"Status"`
	Ports      string      `json:"Ports"`
	Publishers []Publisher `json:"Publishers"`
	// Sync is how the container gets the project's files: bind or volume
	// (arena-dev's own field; docker compose's JSON has none).
	Sync string `json:"Sync,omitempty"`
}

// Ps lists the project's containers, sorted by service in start order.
func Ps(ctx context.Context, cli client.APIClient, name string) ([]ContainerStatus, error) {
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(name)})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	out := make([]ContainerStatus, 0, len(cs))
	for _, c := range cs {
		if c.Labels[LabelOneoff] == "True" {
			continue // a copy helper or probe, as compose ps hides `run` containers
		}
		st := ContainerStatus{Sync: c.Labels[labelSync], ID: c.ID, Name: containerName(c), Project: name, Service: c.Labels[LabelService],
			Image: c.Image, Command: c.Command, State: c.State, Status: c.Status, Publishers: []Publisher{}}
		if insp, err := cli.ContainerInspect(ctx, c.ID); err == nil && insp.State != nil {
			st.ExitCode = insp.State.ExitCode
			// As docker compose: health only for a running container.
			if c.State == "running" && insp.State.Health != nil {
				st.Health = insp.State.Health.Status
			}
		}
		for _, p := range c.Ports {
			if p.PublicPort == 0 {
				continue
			}
			st.Publishers = append(st.Publishers, Publisher{URL: p.IP, TargetPort: int(p.PrivatePort), PublishedPort: int(p.PublicPort), Protocol: p.Type})
		}
		st.Ports = portsText(st.Publishers)
		out = append(out, st)
	}
	// The model's order: the answers API first, then by name.
	sort.Slice(out, func(i, j int) bool {
		ai, aj := out[i].Service == project.AnswersService, out[j].Service == project.AnswersService
		if ai != aj {
			return ai
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// PsFormat is how WritePs prints the rows.
type PsFormat int

const (
	PsTable     PsFormat = iota
	PsJSONArray          // arena-dev's --json: one indented array
	PsJSONLines          // --format json: one object per line, as `docker compose ps --format json`
)

// WritePs prints rows in format f.
func WritePs(w io.Writer, rows []ContainerStatus, f PsFormat) error {
	switch f {
	case PsJSONArray:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	case PsJSONLines:
		enc := json.NewEncoder(w) // Encode ends each object with a newline
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSERVICE\tSTATE\tHEALTH\tSYNC\tPORTS")
	for _, r := range rows {
		health := r.Health
		if health == "" {
			health = "-"
		}
		sync := r.Sync
		if sync == "" {
			sync = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Service, r.State, health, sync, portsText(r.Publishers))
	}
	return tw.Flush()
}

// portsText is docker's PORTS column: "127.0.0.1:8787->8787/tcp, ...".
func portsText(ps []Publisher) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s:%d->%d/%s", p.URL, p.PublishedPort, p.TargetPort, p.Protocol))
	}
	return strings.Join(out, ", ")
}
