package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// ErrNoStack: no live arena-dev runs for this run directory (the CLI exits 3).
var ErrNoStack = errors.New("no stack is running here")

// Client talks to a running stack's control API.
type Client struct {
	http  *http.Client
	base  string
	token string
}

// Dial finds the live stack of runDir through its run file.
func Dial(runDir string) (*Client, error) {
	rf, err := runstate.LiveOwner(runDir)
	if err != nil {
		return nil, err
	}
	if rf == nil || rf.Control == nil {
		return nil, ErrNoStack
	}
	return Connect(rf.Control), nil
}

// Connect is a client of the control API at ep (a run file's endpoint).
func Connect(ep *runstate.ControlEndpoint) *Client {
	if ep.Socket != "" {
		tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", ep.Socket)
		}}
		return &Client{http: &http.Client{Transport: tr}, base: "http://arena-dev"}
	}
	return &Client{http: &http.Client{Transport: &http.Transport{Proxy: nil}}, base: ep.URL, token: ep.Token}
}

// APIError is an error answer of the API.
type APIError struct {
	Status  int
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Known   []string `json:"known"`
}

func (e *APIError) Error() string { return e.Message }

// send makes one request; an error answer becomes an *APIError. The caller
// closes the body of a successful response.
func (c *Client) send(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("control API: %w", err)
	}
	if res.StatusCode < 300 {
		return res, nil
	}
	defer res.Body.Close()
	var e struct{ Error APIError }
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if json.Unmarshal(body, &e) != nil || e.Error.Message == "" {
		return nil, fmt.Errorf("control API: %s: %s", res.Status, strings.TrimSpace(string(body)))
	}
	e.Error.Status = res.StatusCode
	return nil, &e.Error
}

func (c *Client) do(ctx context.Context, method, path string, into any) error {
	res, err := c.send(ctx, method, path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if into == nil {
		return nil
	}
	return json.NewDecoder(res.Body).Decode(into)
}

// Services lists the stack's services.
func (c *Client) Services(ctx context.Context) ([]Service, error) {
	var out struct{ Services []Service }
	err := c.do(ctx, http.MethodGet, "/api/services", &out)
	return out.Services, err
}

// Do starts, stops or restarts one service and returns its state after.
func (c *Client) Do(ctx context.Context, name string, op runstate.Op) (Service, error) {
	var out struct{ Service Service }
	err := c.do(ctx, http.MethodPost, "/api/services/"+url.PathEscape(name)+"/"+op.String(), &out)
	return out.Service, err
}

// Events calls fn with each state change (after a first call per service with
// its current state) until fn returns false, ctx ends or the stack stops.
func (c *Client) Events(ctx context.Context, fn func(Service) bool) error {
	return c.stream(ctx, "/api/events", func(event string, data []byte) (bool, error) {
		switch event {
		case "snapshot":
			var snap struct{ Services []Service }
			if err := json.Unmarshal(data, &snap); err != nil {
				return false, err
			}
			for _, s := range snap.Services {
				if !fn(s) {
					return false, nil
				}
			}
		case "state":
			var s Service
			if err := json.Unmarshal(data, &s); err != nil {
				return false, err
			}
			return fn(s), nil
		case "end":
			return false, nil
		}
		return true, nil
	})
}

// droppedNotice is the line Logs makes of a "dropped" event: missed, total.
const droppedNotice = "%d log lines skipped: this reader fell behind the services (%d in all)"

// Logs calls fn with the last n lines of the named services (all when none),
// then with follow every new line until ctx ends or the stack stops.
func (c *Client) Logs(ctx context.Context, services []string, n int, follow bool, fn func(svclog.JSONLine)) error {
	q := url.Values{"n": {strconv.Itoa(n)}}
	for _, s := range services {
		q.Add("service", s)
	}
	if !follow {
		var out struct{ Lines []svclog.JSONLine }
		if err := c.do(ctx, http.MethodGet, "/api/logs?"+q.Encode(), &out); err != nil {
			return err
		}
		for _, l := range out.Lines {
			fn(l)
		}
		return nil
	}
	q.Set("follow", "1")
	return c.stream(ctx, "/api/logs?"+q.Encode(), func(event string, data []byte) (bool, error) {
		if event == "dropped" {
			var d DroppedLines
			if err := json.Unmarshal(data, &d); err != nil {
				return false, err
			}
			fn(svclog.JSONLine{Time: d.Time, Service: "arena-dev", Stream: "stderr",
				Line: fmt.Sprintf(droppedNotice, d.Missed, d.Total)})
			return true, nil
		}
		var l svclog.JSONLine
		if err := json.Unmarshal(data, &l); err != nil {
			return false, err
		}
		fn(l)
		return true, nil
	})
}

// stream reads Server-Sent Events until handle says stop.
func (c *Client) stream(ctx context.Context, path string, handle func(event string, data []byte) (bool, error)) error {
	res, err := c.send(ctx, http.MethodGet, path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var event string
	var data []byte
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if event != "" || data != nil {
				more, err := handle(event, data)
				if err != nil || !more {
					return err
				}
			}
			event, data = "", nil
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: ")...)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return sc.Err()
}
