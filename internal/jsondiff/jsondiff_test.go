package jsondiff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestWalk(t *testing.T) {
	cases := []struct {
		name, a, b string
		o          Options
		want       string // one "path a b inA inB" per change, "; " between
	}{
		{"equal", `{"a":[1,{"b":2}]}`, `{"a":[1,{"b":2}]}`, Options{}, ""},
		{"a scalar", `{"a":{"b":1}}`, `{"a":{"b":2}}`, Options{}, "a.b 1 2"},
		{"keys only one side has, sorted", `{"z":1,"m":2}`, `{"a":3,"m":2}`, Options{}, "a <nil> 3 (only B); z 1 <nil> (only A)"},
		{"an array whole", `{"a":[1,2]}`, `{"a":[1,3]}`, Options{}, "a [1 2] [1 3]"},
		{"an array element-wise", `{"a":[1,{"b":2}]}`, `{"a":[1,{"b":3}]}`, Options{ElementWise: true}, "a[1].b 2 3"},
		{"lengths", `{"a":[1]}`, `{"a":[1,2]}`, Options{ElementWise: true}, "a 1 2 (lengths)"},
		{"root array", `[{"x":1}]`, `[{"x":2}]`, Options{ElementWise: true}, "[0].x 1 2"},
		{"the root itself", `1`, `"1"`, Options{}, " 1 1"},
		{"a map against a scalar", `{"a":{"b":1}}`, `{"a":null}`, Options{}, "a map[b:1] <nil>"},
		{"most", `{"a":1,"b":1,"c":1}`, `{"a":2,"b":2,"c":2}`, Options{Most: 2}, "a 1 2; b 1 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a, b any
			if err := json.Unmarshal([]byte(c.a), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(c.b), &b); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ch := range Walk(a, b, c.o) {
				s := fmt.Sprintf("%s %v %v", ch.Path, ch.A, ch.B)
				switch {
				case !ch.InA:
					s += " (only B)"
				case !ch.InB:
					s += " (only A)"
				case ch.Lengths:
					s += " (lengths)"
				}
				got = append(got, s)
			}
			if g := strings.Join(got, "; "); g != c.want {
				t.Fatalf("Walk = %q, want %q", g, c.want)
			}
		})
	}
}
