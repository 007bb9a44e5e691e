package orchestrate

import (
	"context"
	"errors"
	"fmt"
	"github.com/sommelier-arena/arena-dev/project"
	"io"
	"net"
	"net/http"
	"time"
)

// probeClient never uses a proxy from the environment: probes target this machine.
var probeClient = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer: the server is up
	},
}

// waitReady polls the probe until it passes, ctx ends, or p.Timeout passes.
// logMatched is closed by the caller when a log line matched p.Pattern.
func waitReady(ctx context.Context, p project.Probe, logMatched <-chan struct{}) error {
	if p.Kind == project.ProbeNone {
		return nil
	}
	deadline := time.NewTimer(p.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(p.Interval)
	defer tick.Stop()
	var last error
	for {
		switch p.Kind {
		case project.ProbeLog:
			last = fmt.Errorf("no log line matched %q", p.Pattern)
			select {
			case <-logMatched:
				return nil
			default:
			}
		default:
			if last = probeOnce(ctx, p); last == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("not ready after %s: %w", p.Timeout, last)
		case <-logMatched:
			if p.Kind == project.ProbeLog {
				return nil
			}
		case <-tick.C:
		}
	}
}

// probeOnce runs one HTTP or TCP check, bounded by the interval (at least 1s).
func probeOnce(ctx context.Context, p project.Probe) error {
	ctx, cancel := context.WithTimeout(ctx, max(p.Interval, time.Second))
	defer cancel()
	switch p.Kind {
	case project.ProbeHTTP:
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
		if err != nil {
			return err
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("GET %s: %s", p.URL, resp.Status)
		}
		return nil
	case project.ProbeTCP:
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.Address)
		if err != nil {
			return err
		}
		return c.Close()
	}
	return errors.New("no probe")
}
