package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// T is what the suite needs of a test: *testing.T has it, and so has Check's
// recorder, which runs the suite outside `go test` (arena-dev conformance).
type T interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// client sends requests to the API under test and decodes its answers.
type client struct {
	t    T
	base string
	http *http.Client
}

// response is a received answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("encoding request body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// Entry is an answer as the API returns it.
type Entry struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Custom    bool   `json:"custom"`
	CreatedAt string `json:"createdAt"`
}

// expect fails unless the response has the status.
func (c *client) expect(r response, status int, what string) {
	c.t.Helper()
	if r.Status != status {
		c.t.Fatalf("%s: status %d, want %d; body %s", what, r.Status, status, r.Body)
	}
}

// expectJSON checks a JSON response and decodes it into v.
func (c *client) expectJSON(r response, status int, what string, v any) {
	c.t.Helper()
	c.expect(r, status, what)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		c.t.Fatalf("%s: body is not the expected JSON (%v): %s", what, err, r.Body)
	}
}

// expectError checks an error response: the status and {"error": {"code", "message"}}.
func (c *client) expectError(r response, status int, code, what string) {
	c.t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	c.expectJSON(r, status, what, &e)
	if e.Error.Code != code || e.Error.Message == "" {
		c.t.Errorf("%s: error %+v, want code %q and a message", what, e.Error, code)
	}
}

// list fetches one category.
func (c *client) list(cat string) []Entry {
	c.t.Helper()
	var l []Entry
	c.expectJSON(c.do("GET", "/answers/"+cat, nil), 200, "GET /answers/"+cat, &l)
	return l
}

// snapshot is GET /answers as bytes, to prove a failed request wrote nothing.
func (c *client) snapshot() string {
	c.t.Helper()
	r := c.do("GET", "/answers", nil)
	c.expect(r, 200, "GET /answers")
	return string(r.Body)
}

func ids(l []Entry) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.ID
	}
	return out
}

func checkEntry(t T, what string, e Entry, id, label string, custom bool) {
	t.Helper()
	if e.ID != id || e.Label != label || e.Custom != custom {
		t.Errorf("%s: entry %+v, want id %q label %q custom %v", what, e, id, label, custom)
	}
	if _, err := time.Parse(time.RFC3339, e.CreatedAt); err != nil {
		t.Errorf("%s: createdAt %q is not RFC 3339", what, e.CreatedAt)
	}
}
