package panel

import (
	"testing"

	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/orchestrate"
)

func TestStatusFromContainer(t *testing.T) {
	pub := []compose.Publisher{{URL: "127.0.0.1", TargetPort: 4321, PublishedPort: 14321}}
	cases := []struct {
		name string
		in   compose.ContainerStatus
		want orchestrate.State
	}{
		{"running, healthy", compose.ContainerStatus{State: "running", Health: "healthy"}, orchestrate.StateReady},
		{"running, no health check", compose.ContainerStatus{State: "running"}, orchestrate.StateReady},
		{"running, health starting", compose.ContainerStatus{State: "running", Health: "starting"}, orchestrate.StateStarting},
		{"running, unhealthy", compose.ContainerStatus{State: "running", Health: "unhealthy"}, orchestrate.StateFailed},
		{"restarting", compose.ContainerStatus{State: "restarting"}, orchestrate.StateRestarting},
		{"created", compose.ContainerStatus{State: "created"}, orchestrate.StatePending},
		{"exited 0", compose.ContainerStatus{State: "exited"}, orchestrate.StateStopped},
		{"exited 1", compose.ContainerStatus{State: "exited", ExitCode: 1}, orchestrate.StateFailed},
		{"dead", compose.ContainerStatus{State: "dead"}, orchestrate.StateFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Service, c.in.Status, c.in.Publishers = "astro", "Up 3 seconds", pub
			got := status(c.in)
			if got.State != c.want || got.Name != "astro" || got.Port != 14321 || got.URL != "http://127.0.0.1:14321" || got.LastError != "Up 3 seconds" {
				t.Errorf("status(%+v) = %+v, want state %s on 14321", c.in, got, c.want)
			}
		})
	}
}
