//go:build unix

package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/runstate"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// holdPort starts a helper process listening on host:port and waits until it does.
func holdPort(t *testing.T, mode string, port int) *exec.Cmd {
	t.Helper()
	spec := helper(t, "holder", mode, fmt.Sprintf("PORT=%d", port))
	cmd := exec.Command(spec.Command[0])
	cmd.Env = append(cmd.Environ(), spec.Env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitFor(t, "the holder to listen", 10*time.Second, func() bool {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return cmd
}

func TestPortPreflightNamesTheHolder(t *testing.T) {
	for _, mode := range []string{"serve", "listen-any"} { // 127.0.0.1 and 0.0.0.0 holders
		t.Run(mode, func(t *testing.T) {
			port := testenv.FreePort(t)
			holder := holdPort(t, mode, port)
			free := testenv.FreePort(t)
			svc := helper(t, "partykit", "sleep")
			svc.Port = port
			other := helper(t, "astro", "sleep")
			other.Port = free
			sup, err := New([]ServiceSpec{other, svc}, Options{Output: &testenv.SyncBuffer{}})
			if err != nil {
				t.Fatal(err)
			}
			err = sup.Run(context.Background())
			var pe *PortInUseError
			if !errors.As(err, &pe) {
				t.Fatalf("Run = %v, want a *PortInUseError", err)
			}
			if pe.Port != port || pe.Service != "partykit" || pe.PID != holder.Process.Pid {
				t.Fatalf("got port %d service %q pid %d; want %d partykit %d (%v)", pe.Port, pe.Service, pe.PID, port, holder.Process.Pid, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("port %d", port)) || !strings.Contains(msg, fmt.Sprintf("pid %d", holder.Process.Pid)) {
				t.Errorf("message %q should name the port and the holder", msg)
			}
			for _, st := range sup.Status() {
				if st.PID != 0 || st.State != runstate.StatePending {
					t.Errorf("%s was started (%s, pid %d) despite the taken port", st.Name, st.State, st.PID)
				}
			}
			if werr := sup.WaitReady(context.Background()); werr == nil || !strings.Contains(werr.Error(), "already in use") {
				t.Errorf("WaitReady = %v, want the port error", werr)
			}
		})
	}
}

func TestCheckPortFree(t *testing.T) {
	if err := CheckPort(testenv.FreePort(t)); err != nil {
		t.Fatalf("free port reported taken: %v", err)
	}
}
