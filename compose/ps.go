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
	Service    string      `json:"Service"`
	Image      string      `json:"Image"`
	State      string      `json:"State"`
	Health     string      `json:"Health"`
	Status     string      `json:"Status"`
	Publishers []Publisher `json:"Publishers"`
}

// Ps lists the project's containers, sorted by service in start order.
func Ps(ctx context.Context, cli client.APIClient, name string) ([]ContainerStatus, error) {
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: projectFilter(name)})
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	out := make([]ContainerStatus, 0, len(cs))
	for _, c := range cs {
		st := ContainerStatus{ID: c.ID[:12], Name: containerName(c), Service: c.Labels[LabelService],
			Image: c.Image, State: c.State, Status: c.Status, Publishers: []Publisher{}}
		if c.State == "running" {
			if insp, err := cli.ContainerInspect(ctx, c.ID); err == nil && insp.State != nil && insp.State.Health != nil {
				st.Health = insp.State.Health.Status
			}
		}
		for _, p := range c.Ports {
			if p.PublicPort == 0 {
				continue
			}
			st.Publishers = append(st.Publishers, Publisher{URL: p.IP, TargetPort: int(p.PrivatePort), PublishedPort: int(p.PublicPort), Protocol: p.Type})
		}
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

// WritePs prints rows as a table, or as a JSON array when asJSON.
func WritePs(w io.Writer, rows []ContainerStatus, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSERVICE\tSTATE\tHEALTH\tPORTS")
	for _, r := range rows {
		var ports []string
		for _, p := range r.Publishers {
			ports = append(ports, fmt.Sprintf("%s:%d->%d/%s", p.URL, p.PublishedPort, p.TargetPort, p.Protocol))
		}
		health := r.Health
		if health == "" {
			health = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Service, r.State, health, strings.Join(ports, ", "))
	}
	return tw.Flush()
}
