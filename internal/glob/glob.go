// Package glob matches slash-separated paths against patterns where * ? and [...]
// match within one path segment (as path.Match) and a whole segment ** matches
// any number of segments, none included: "party/**" is everything under party.
package glob

import (
	"fmt"
	"path"
	"strings"
)

// Pattern is a checked glob.
type Pattern struct {
	text string
	segs []string
}

// Compile checks a pattern: relative, clean segments, valid path.Match syntax;
// ** only as a whole segment.
func Compile(p string) (Pattern, error) {
	if p == "" {
		return Pattern{}, fmt.Errorf("empty pattern")
	}
	if strings.HasPrefix(p, "/") {
		return Pattern{}, fmt.Errorf("%q: a pattern is relative to the service's dir", p)
	}
	segs := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for _, s := range segs {
		switch {
		case s == "" || s == ".":
			return Pattern{}, fmt.Errorf("%q: empty or '.' segment", p)
		case s == "**":
		case strings.Contains(s, "**"):
			return Pattern{}, fmt.Errorf("%q: ** must be a whole segment (dir/**/name)", p)
		default:
			if _, err := path.Match(s, ""); err != nil {
				return Pattern{}, fmt.Errorf("%q: bad pattern segment %q", p, s)
			}
		}
	}
	return Pattern{text: p, segs: segs}, nil
}

// MustCompile is Compile for patterns known to be good.
func MustCompile(p string) Pattern {
	g, err := Compile(p)
	if err != nil {
		panic(err)
	}
	return g
}

func (g Pattern) String() string { return g.text }

// Match reports whether the slash-separated relative path rel matches.
func (g Pattern) Match(rel string) bool {
	return match(g.segs, strings.Split(rel, "/"))
}

func match(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			rest := pat[1:]
			for i := 0; i <= len(name); i++ {
				if match(rest, name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

// Base is the pattern's leading segments without wildcards: the directory (or
// file) a watcher must look at; "." when the first segment has one.
func (g Pattern) Base() string {
	var fixed []string
	for _, s := range g.segs {
		if strings.ContainsAny(s, "*?[\\") {
			break
		}
		fixed = append(fixed, s)
	}
	if len(fixed) == 0 {
		return "."
	}
	return strings.Join(fixed, "/")
}

// Deep reports whether the pattern can match below any depth (it has **).
func (g Pattern) Deep() bool {
	for _, s := range g.segs {
		if s == "**" {
			return true
		}
	}
	return false
}

// Depth is the number of segments a match has when the pattern is not Deep.
func (g Pattern) Depth() int { return len(g.segs) }

// MayMatchBelow reports whether some path under directory rel could match: used
// to prune the directories a watcher descends into.
func (g Pattern) MayMatchBelow(rel string) bool {
	if rel == "." || rel == "" {
		return true
	}
	return prefix(g.segs, strings.Split(rel, "/"))
}

// prefix: can dir (a path's leading segments) be extended to match pat?
func prefix(pat, dir []string) bool {
	for len(dir) > 0 {
		if len(pat) == 0 {
			return false
		}
		if pat[0] == "**" {
			return true
		}
		if ok, _ := path.Match(pat[0], dir[0]); !ok {
			return false
		}
		pat, dir = pat[1:], dir[1:]
	}
	return len(pat) > 0
}
