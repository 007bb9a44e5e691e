package project

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
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
	diffValue(&out, "", a, b)
	sort.Strings(out)
	return out, nil
}

func diffValue(out *[]string, path string, a, b any) {
	if reflect.DeepEqual(a, b) {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for k := range keys {
			diffValue(out, join(path, k), am[k], bm[k])
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && path == "Services" {
		// Services by name, not by position.
		byName := func(list []any) map[string]any {
			m := map[string]any{}
			for _, s := range list {
				if sm, ok := s.(map[string]any); ok {
					m[fmt.Sprint(sm["Name"])] = s
				}
			}
			return m
		}
		diffValue(out, "", byName(as), byName(bs))
		return
	}
	*out = append(*out, fmt.Sprintf("%s: %s -> %s", path, short(a), short(b)))
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
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
