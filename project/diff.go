package project

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/internal/jsondiff"
)

// Diff lists how two resolved projects (as their JSON, the run file keeps one)
// differ, one line per field: "astro.Port: 4321 -> 4322". Empty: the same stack.
func Diff(was, now []byte) ([]string, error) {
	var a, b map[string]any
	if err := json.Unmarshal(was, &a); err != nil {
		return nil, fmt.Errorf("the running stack's model: %w", err)
	}
	if err := json.Unmarshal(now, &b); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range jsondiff.Walk(liftServices(a), liftServices(b), jsondiff.Options{}) {
		out = append(out, fmt.Sprintf("%s: %s -> %s", c.Path, short(c.A), short(c.B)))
	}
	sort.Strings(out)
	return out, nil
}

// liftServices puts each service at the top level under its name in place of
// the Services list: services are compared by name, not by position, and a
// change reads "astro.Port".
func liftServices(m map[string]any) map[string]any {
	list, ok := m["Services"].([]any)
	if !ok {
		return m
	}
	out := make(map[string]any, len(m)+len(list))
	for k, v := range m {
		if k != "Services" {
			out[k] = v
		}
	}
	for _, s := range list {
		if sm, ok := s.(map[string]any); ok {
			out[fmt.Sprint(sm["Name"])] = s
		}
	}
	return out
}

func short(v any) string {
	if v == nil {
		return "(none)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strings.ReplaceAll(s, "\n", " ")
}

// JSON is the project as the run file keeps it and Diff compares it.
func (p *Project) JSON() ([]byte, error) { return json.Marshal(p) }
