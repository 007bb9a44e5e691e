// Package jsondiff walks two decoded JSON values (encoding/json's any: maps,
// slices, strings, numbers, bools, nil) and lists the paths where they differ.
// It is the one walker behind `up`'s "a different stack already runs here"
// (project.Diff) and `conformance --diff` (parity.Compare); each formats the
// changes its own way.
package jsondiff

import (
	"reflect"
	"sort"
	"strconv"
)

// Change is one place where a and b differ.
type Change struct {
	// Path is the dotted keys and [i] indices from the root: "Answers.Port",
	// "answers[2].label"; "" is the root itself.
	Path string
	A, B any
	// InA and InB say whether the path exists on each side: a key only one map
	// has is a Change with the other side false (and its value nil).
	InA, InB bool
	// Lengths: with ElementWise, arrays of different lengths are one Change whose
	// A and B are the two lengths (ints).
	Lengths bool
}

// Options choose the walk's policy.
type Options struct {
	// ElementWise compares arrays of the same length element by element (paths
	// with [i]); otherwise an array that differs at all is one Change.
	ElementWise bool
	// Most stops the walk after that many changes; 0 = all of them.
	Most int
}

// Walk lists where a and b differ, maps' keys in sorted order.
func Walk(a, b any, o Options) []Change {
	w := walker{o: o}
	w.walk("", a, b)
	return w.out
}

type walker struct {
	o   Options
	out []Change
}

func (w *walker) full() bool { return w.o.Most > 0 && len(w.out) >= w.o.Most }

func (w *walker) walk(path string, a, b any) {
	if w.full() || reflect.DeepEqual(a, b) {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := make([]string, 0, len(am)+len(bm))
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, dup := am[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if w.full() {
				return
			}
			av, ain := am[k]
			bv, bin := bm[k]
			if ain && bin {
				w.walk(join(path, k), av, bv)
			} else {
				w.out = append(w.out, Change{Path: join(path, k), A: av, B: bv, InA: ain, InB: bin})
			}
		}
		return
	}
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok && w.o.ElementWise {
		if len(as) != len(bs) {
			w.out = append(w.out, Change{Path: path, A: len(as), B: len(bs), InA: true, InB: true, Lengths: true})
			return
		}
		for i := range as {
			w.walk(path+"["+strconv.Itoa(i)+"]", as[i], bs[i])
		}
		return
	}
	w.out = append(w.out, Change{Path: path, A: a, B: b, InA: true, InB: true})
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
