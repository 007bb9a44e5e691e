package parity

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"sync"
)

// Tee is an http.RoundTripper that sends each request to arena-dev (whose answer
// the caller gets, so the conformance suite runs as usual) and then the same
// request to the Worker, and keeps every difference between the two answers.
type Tee struct {
	Worker *url.URL // the Worker's base URL; requests keep their path and query
	Next   http.RoundTripper

	mu       sync.Mutex
	requests int
	diffs    []Difference
}

// RoundTrip implements http.RoundTripper.
func (t *Tee) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
	}
	g, gres, err := t.send(req, nil, body)
	if err != nil {
		return nil, err
	}
	name := describe(req, body)
	w, _, werr := t.send(req, t.Worker, body)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests++
	if werr != nil {
		t.diffs = append(t.diffs, Difference{Request: name, What: "response", Go: "an answer", Worker: werr.Error()})
	} else {
		t.diffs = append(t.diffs, Compare(name, g, w)...)
	}
	gres.Body = io.NopCloser(bytes.NewReader(g.Body))
	return gres, nil
}

// send sends a copy of req (to base's host instead, when set) and reads the answer.
func (t *Tee) send(req *http.Request, base *url.URL, body []byte) (Response, *http.Response, error) {
	r := req.Clone(req.Context())
	if base != nil {
		u := *r.URL
		u.Scheme, u.Host = base.Scheme, base.Host
		r.URL, r.Host = &u, ""
	}
	r.Body = nil
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	res, err := t.next().RoundTrip(r)
	if err != nil {
		return Response{}, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, nil, err
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: data}, res, nil
}

func (t *Tee) next() http.RoundTripper {
	if t.Next != nil {
		return t.Next
	}
	return http.DefaultTransport
}

// Result is what the Tee saw: how many requests, and every difference.
func (t *Tee) Result() (requests int, diffs []Difference) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests, append([]Difference(nil), t.diffs...)
}

// describe names a request in a report: method, path and the start of its body.
func describe(req *http.Request, body []byte) string {
	s := req.Method + " " + req.URL.RequestURI()
	if len(body) > 0 {
		s += " " + abbrev60(string(body))
	}
	if o := req.Header.Get("Origin"); o != "" {
		s += " (Origin " + o + ")"
	}
	return s
}

func abbrev60(s string) string {
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "..."
	}
	return s
}
