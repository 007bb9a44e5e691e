package compose

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// WaitError names the service that did not become healthy and shows the end of its log.
type WaitError struct {
	Service string
	Reason  string
	Log     []string
}

func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "service %s %s", e.Service, e.Reason)
	if len(e.Log) > 0 {
		fmt.Fprintf(&b, "; last lines of its log:")
		for _, l := range e.Log {
			fmt.Fprintf(&b, "\n  [%s] %s", e.Service, l)
		}
	} else {
		b.WriteString(" (its log is empty)")
	}
	return b.String()
}

// waitHealthy polls the named services until each is healthy and its published
// port accepts connections on the host. A container that exits, turns unhealthy
// or is still starting when the time is up fails the wait.
func waitHealthy(ctx context.Context, cli client.APIClient, p *Project, names []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pending := map[string]bool{}
	for _, n := range names {
		pending[n] = true
	}
	for len(pending) > 0 {
		for _, n := range names {
			if !pending[n] {
				continue
			}
			ok, werr := checkHealth(ctx, cli, p, n)
			if werr != nil {
				werr.Log = lastLines(ctx, cli, p.ContainerName(n), 15)
				return werr
			}
			if ok {
				delete(pending, n)
			}
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, n := range names {
				if pending[n] {
					return &WaitError{Service: n, Reason: fmt.Sprintf("is not healthy after %s", timeout),
						Log: lastLines(ctx, cli, p.ContainerName(n), 15)}
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// checkHealth reports whether service n is healthy, or a WaitError when it can no
// longer become so.
func checkHealth(ctx context.Context, cli client.APIClient, p *Project, n string) (bool, *WaitError) {
	c, err := cli.ContainerInspect(ctx, p.ContainerName(n))
	if err != nil {
		return false, &WaitError{Service: n, Reason: fmt.Sprintf("has no container (%v)", err)}
	}
	st := c.State
	switch {
	case st == nil:
		return false, nil
	case st.Status == "exited" || st.Status == "dead":
		return false, &WaitError{Service: n, Reason: fmt.Sprintf("exited with code %d", st.ExitCode)}
	case st.Status == "created":
		return false, nil
	case st.Health == nil:
		return st.Running, nil
	case st.Health.Status == "unhealthy":
		reason := "is unhealthy"
		if k := len(st.Health.Log); k > 0 {
			reason += fmt.Sprintf(" (health check: %s)", strings.TrimSpace(st.Health.Log[k-1].Output))
		}
		return false, &WaitError{Service: n, Reason: reason}
	case st.Health.Status != "healthy":
		return false, nil
	}
	// Healthy inside; one HTTP request through the published port proves the
	// service answers where the browser and the tests will call it.
	s, _ := p.Service(n)
	return answersHTTP(ctx, PublishedHost(), s), nil
}

// answersHTTP reports whether GET ReadyPath on the service's published port
// answers with a status below 500.
func answersHTTP(ctx context.Context, host string, s Service) bool {
	path := s.ReadyPath
	if path == "" || s.HostPort == 0 {
		return true // nothing to ask from the host
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(s.HostPort)) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode < 500
}

// lastLines is the end of a container's log (stdout and stderr interleaved as
// the engine kept them), escape sequences removed.
func lastLines(ctx context.Context, cli client.APIClient, name string, n int) []string {
	rc, err := cli.ContainerLogs(ctx, name, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: strconv.Itoa(n)})
	if err != nil {
		return []string{fmt.Sprintf("(no log: %v)", err)}
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return []string{fmt.Sprintf("(log unreadable: %v)", err)}
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if l = strings.TrimSpace(svclog.StripANSI(l)); l != "" {
			out = append(out, l)
		}
	}
	return out
}
