package compose

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// defaultHost is where the client looks when DOCKER_HOST is unset.
const defaultHost = "unix:///var/run/docker.sock"

// NoEngineError says which engine address was tried and how to start one.
type NoEngineError struct {
	Host string // the address tried
	From string // "DOCKER_HOST" or "default socket"
	Err  error
}

func (e *NoEngineError) Error() string {
	return fmt.Sprintf("no Docker engine answers at %s (%s): %v\n"+
		"  start one: `sudo dockerd &` (Debian: `sudo apt-get install -y docker.io`; with systemd: `sudo systemctl start docker`),\n"+
		"  or point DOCKER_HOST at a running engine", e.Host, e.From, e.Err)
}

func (e *NoEngineError) Unwrap() error { return e.Err }

// Connect returns a client for the engine named by DOCKER_HOST (or the default
// socket) with API version negotiation, after checking that the engine answers.
func Connect(ctx context.Context) (*client.Client, error) {
	host, from := os.Getenv("DOCKER_HOST"), "DOCKER_HOST"
	if host == "" {
		host, from = defaultHost, "default socket; DOCKER_HOST is unset"
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, &NoEngineError{Host: host, From: from, Err: err}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(pctx); err != nil {
		cli.Close()
		return nil, &NoEngineError{Host: host, From: from, Err: err}
	}
	cli.NegotiateAPIVersion(ctx)
	return cli, nil
}

// PublishedHost is where this machine reaches the engine's published ports: the
// host of a tcp:// or ssh:// DOCKER_HOST, else 127.0.0.1 (a local engine).
func PublishedHost() string {
	host := os.Getenv("DOCKER_HOST")
	for _, scheme := range []string{"tcp://", "ssh://", "http://", "https://"} {
		if rest, ok := strings.CutPrefix(host, scheme); ok {
			if u, err := url.Parse(scheme + rest); err == nil && u.Hostname() != "" {
				return u.Hostname()
			}
		}
	}
	return "127.0.0.1"
}

// LocalSocket is the Engine's Unix socket on this machine (DOCKER_HOST or the
// default), "" when the Engine is reached another way.
func LocalSocket() string {
	host := os.Getenv("DOCKER_HOST")
	if host == "" {
		host = defaultHost
	}
	path, ok := strings.CutPrefix(host, "unix://")
	if !ok {
		return ""
	}
	return path
}
