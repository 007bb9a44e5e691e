package panel

import (
	"testing"

	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/runstate"
)

func TestStatusFromContainer(t *testing.T) {
	pub := []compose.Publisher{{URL: "127.0.0.1", TargetPort: 4321, PublishedPort: 14321}}
	cases := []struct {
		name string
		in   compose.ContainerStatus
		want runstate.State
	}{
		{"running, healthy", compose.ContainerStatus{State: "running", Health: "healthy"}, runstate.StateReady},
		{"running, no health check", compose.ContainerStatus{State: "running"}, runstate.StateReady},
		{"running, health starting", compose.ContainerStatus{State: "running", Health: "starting"}, runstate.StateStarting},
		{"running, unhealthy", compose.ContainerStatus{State: "running", Health: "unhealthy"}, runstate.StateFailed},
		{"restarting", compose.ContainerStatus{State: "restarting"}, runstate.StateRestarting},
		{"created", compose.ContainerStatus{State: "created"}, runstate.StatePending},
		{"exited 0", compose.ContainerStatus{State: "exited"}, runstate.StateStopped},
		{"exited 1", compose.ContainerStatus{State: "exited", ExitCode: 1}, runstate.StateFailed},
		{"dead", compose.ContainerStatus{State: "dead"}, runstate.StateFailed},
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
