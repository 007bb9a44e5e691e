package parity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/internal/jsondiff"
)

// Response is what one implementation answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Difference is one way the two answers to one request differ.
type Difference struct {
	Request string // "POST /answers/color {"label": "Red"}"
	What    string // "status", "header Vary", "body error.code"
	Go      string // arena-dev's value
	Worker  string // the Worker's value
}

func (d Difference) String() string {
	return fmt.Sprintf("%s: %s: arena-dev %s, Worker %s", d.Request, d.What, d.Go, d.Worker)
}

// Compare lists how the Worker's answer w differs from arena-dev's g to request req.
func Compare(req string, g, w Response) []Difference {
	var out []Difference
	add := func(what, gv, wv string) {
		out = append(out, Difference{Request: req, What: what, Go: gv, Worker: wv})
	}
	if g.Status != w.Status {
		add("status", fmt.Sprint(g.Status), fmt.Sprint(w.Status))
	}
	for _, h := range Headers {
		if gv, wv := g.Header.Get(h), w.Header.Get(h); !sameHeader(h, gv, wv) {
			add("header "+h, quoteOrAbsent(gv), quoteOrAbsent(wv))
		}
	}
	// ETag: only a Worker tag arena-dev lacks differs (see the package comment).
	if g.Header.Get("ETag") == "" && w.Header.Get("ETag") != "" {
		add("header ETag", "absent", "present")
	}
	gj, gerr := decodeJSON(g.Body)
	wj, werr := decodeJSON(w.Body)
	switch {
	case gerr == nil && werr == nil:
		for _, c := range jsondiff.Walk(normalise(gj), normalise(wj), jsondiff.Options{ElementWise: true, Most: 5}) {
			what, gv, wv := c.Path, showOrAbsent(c.A, c.InA), showOrAbsent(c.B, c.InB)
			if c.Lengths {
				what, gv, wv = strings.TrimSpace(c.Path+" length"), fmt.Sprint(c.A), fmt.Sprint(c.B)
			}
			add("body "+what, gv, wv)
		}
	case !bytes.Equal(g.Body, w.Body):
		add("body", abbrev(string(g.Body)), abbrev(string(w.Body)))
	}
	return out
}

// sameHeader compares header values; Vary and the Access-Control lists are sets
// of comma-separated tokens, so their order and case do not matter.
func sameHeader(name, a, b string) bool {
	switch name {
	case "Vary", "Allow", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers":
		return tokens(a) == tokens(b)
	}
	return a == b
}

func tokens(v string) string {
	var t []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			t = append(t, s)
		}
	}
	sort.Strings(t)
	return strings.Join(t, ",")
}

func decodeJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("empty")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// normalise replaces what legitimately differs with placeholders: every
// "createdAt" string (both servers stamp their own writes) and a non-empty
// error.message (human text each implementation words its own; the code is the
// contract). An empty or missing message still differs.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if _, isString := e.(string); k == "createdAt" && isString {
				out[k] = "(timestamp)"
				continue
			}
			out[k] = normalise(e)
		}
		if e, ok := out["error"].(map[string]any); ok {
			if m, _ := e["message"].(string); m != "" {
				e["message"] = "(message)"
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalise(e)
		}
		return out
	}
	return v
}

func showOrAbsent(v any, present bool) string {
	if !present {
		return "absent"
	}
	return show(v)
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return abbrev(string(b))
}

func quoteOrAbsent(v string) string {
	if v == "" {
		return "absent"
	}
	return fmt.Sprintf("%q", v)
}

func abbrev(s string) string {
	if r := []rune(s); len(r) > 100 {
		return string(r[:100]) + "..."
	}
	return s
}
