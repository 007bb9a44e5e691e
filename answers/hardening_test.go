package answers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
)

// serveWith serves a fresh API with the given timeouts; it returns the address.
func serveWith(t *testing.T, o answers.Options, to answers.Timeouts) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Logger = zerolog.Nop()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- answers.ServeWith(ctx, ln, answers.New(openNamespace(t, t.TempDir()), o), to) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeWith: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawExchange sends raw bytes and reads until the server closes the connection;
// it fails when the server still holds the connection after the deadline.
func rawExchange(t *testing.T, addr, req string, deadline time.Duration) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(deadline))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v (got %q)", deadline, got)
	}
	return string(got)
}

// A client that stops sending in the middle of its headers or its body is cut off
// by the read timeouts instead of pinning the connection open.
func TestSlowClientsAreCutOff(t *testing.T) {
	addr := serveWith(t, answers.Options{}, answers.Timeouts{ReadHeader: 200 * time.Millisecond, Read: 400 * time.Millisecond, Write: 5 * time.Second, Idle: time.Second})
	for _, tc := range []struct{ name, req string }{
		{"headers never end", "POST /answers/wine HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le"},
		{"body never ends", "POST /answers/wine HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{\"label\": \"Sl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// 10 s is only the bound after which the test calls the connection held.
			rawExchange(t, addr, tc.req, 10*time.Second)
		})
	}
}

// The defaults bound every phase, well under the 40 s a slow body used to hold.
func TestDefaultTimeoutsAreSet(t *testing.T) {
	d := answers.DefaultTimeouts
	for name, v := range map[string]time.Duration{"ReadHeader": d.ReadHeader, "Read": d.Read, "Write": d.Write, "Idle": d.Idle} {
		if v <= 0 || v > 2*time.Minute {
			t.Errorf("DefaultTimeouts.%s = %v; want a bound from 0 to 2 min", name, v)
		}
	}
	if d.Read > 20*time.Second || d.ReadHeader > d.Read {
		t.Errorf("DefaultTimeouts read bounds %v/%v: a stalled request must be cut off within 20 s", d.ReadHeader, d.Read)
	}
}

// Only loopback names and configured hosts are served; others get a JSON 421 and
// nothing is written (DNS rebinding).
func TestHostAllowList(t *testing.T) {
	base, _ := startArenaDev(t, t.TempDir(), answers.Options{AllowedHosts: []string{"answers", "0.0.0.0", "Arena.Test:8787"}})
	tests := []struct {
		host string
		want int
	}{
		{"", 200}, // the client's own: 127.0.0.1:port
		{"localhost", 200},
		{"LOCALHOST:8787", 200},
		{"127.9.9.9:1", 200},
		{"[::1]:8787", 200},
		{"answers:8787", 200},
		{"arena.test", 200},
		{"evil.example", 421},
		{"evil.example:8787", 421},
		{"localhost.evil.example", 421},
		{"127.0.0.1.evil.example", 421},
		{"0.0.0.0:8787", 421}, // a wildcard bind names no host
		{"[::ffff:10.0.0.1]", 421},
	}
	for _, tc := range tests {
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, base+"/answers/grape", strings.NewReader(`{"label": "Pinot `+tc.host+`"}`))
			if tc.host != "" {
				req.Host = tc.host
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Error answers.Error }
			json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			want := tc.want
			if method == "POST" && want == 200 {
				want = 201
			}
			if res.StatusCode != want || (want == 421 && body.Error.Code != "host_not_allowed") {
				t.Errorf("%s with Host %q: %d %+v; want %d", method, tc.host, res.StatusCode, body.Error, want)
			}
		}
	}
	var list []answers.Entry
	_, body := httpDo(t, "GET", base+"/answers/grape", "")
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list) != 7 {
		t.Errorf("want the 7 allowed POSTs stored, got %d (%v): %s", len(list), err, body)
	}
}

// Requests net/http refuses before any handler runs still get the JSON error shape.
func TestProtocolErrorsAreJSON(t *testing.T) {
	addr := serveWith(t, answers.Options{}, answers.DefaultTimeouts)
	tests := []struct {
		name, req string
		status    int
		code      string
	}{
		{"bad escape", "GET /answers/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request"},
		{"bad escape in an id", "DELETE /answers/color/re%zd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request"},
		{"no Host", "GET /answers HTTP/1.1\r\n\r\n", 400, "bad_request"},
		{"unknown transfer encoding", "POST /answers/wine HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "unsupported_transfer_encoding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := rawExchange(t, addr, tc.req, 10*time.Second)
			res, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
			if err != nil {
				t.Fatalf("not an HTTP response (%v): %q", err, raw)
			}
			var body struct{ Error answers.Error }
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON (%v): %q", err, raw)
			}
			if res.StatusCode != tc.status || body.Error.Code != tc.code || body.Error.Message == "" ||
				!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
				t.Errorf("got %d %q %+v; want %d %s", res.StatusCode, res.Header.Get("Content-Type"), body.Error, tc.status, tc.code)
			}
		})
	}
}

// Bidi overrides and other invisible format characters are refused, named.
func TestFormatCharactersRefused(t *testing.T) {
	base, _ := startArenaDev(t, t.TempDir(), answers.Options{})
	for _, label := range []string{"Pinot\u202eToN", "Mer\u200blot", "\u2066Syrah\u2069", "Gamay\u00ad"} {
		res, body := httpDo(t, "POST", base+"/answers/grape", `{"label": "`+label+`"}`)
		if res.StatusCode != 422 || !strings.Contains(body, `"invalid_label"`) || !strings.Contains(body, "U+") {
			t.Errorf("POST %q: %d %s; want 422 invalid_label naming the character", label, res.StatusCode, body)
		}
	}
}
