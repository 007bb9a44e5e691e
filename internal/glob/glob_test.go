package glob

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		pat, path string
		want      bool
	}{
		{"party/**", "party/index.ts", true},
		{"party/**", "party/a/b/c.ts", true},
		{"party/**", "party", true},
		{"party/**", "src/index.ts", false},
		{"party/**", "partyx/a.ts", false},
		{"**/*.ts", "a.ts", true},
		{"**/*.ts", "x/y/a.ts", true},
		{"**/*.ts", "x/y/a.js", false},
		{"src/*.astro", "src/index.astro", true},
		{"src/*.astro", "src/pages/index.astro", false},
		{"src/**/*.astro", "src/pages/index.astro", true},
		{"src/**/*.astro", "src/index.astro", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/y/c", false},
		{"*.tmp", "x.tmp", true},
		{"**/*.tmp", "deep/er/x.tmp", true},
		{"file?.txt", "file1.txt", true},
		{"[ab].txt", "c.txt", false},
	}
	for _, c := range cases {
		if got := MustCompile(c.pat).Match(c.path); got != c.want {
			t.Errorf("%q matches %q = %v; want %v", c.pat, c.path, got, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{"", "/abs/**", "a//b", "a/**x/b", "[", "./a"} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) accepted", p)
		}
	}
}

func TestBaseAndPrune(t *testing.T) {
	cases := []struct {
		pat, base string
		below     map[string]bool
	}{
		{"party/**", "party", map[string]bool{"party": true, "party/x": true, "src": false}},
		{"**/*.ts", ".", map[string]bool{"a": true, "a/b/c": true}},
		{"src/*.astro", "src", map[string]bool{"src": true, "src/pages": false, "lib": false}},
		{"src/*/x.ts", "src", map[string]bool{"src/pages": true, "src/pages/deep": false}},
	}
	for _, c := range cases {
		g := MustCompile(c.pat)
		if g.Base() != c.base {
			t.Errorf("%q: base %q; want %q", c.pat, g.Base(), c.base)
		}
		for dir, want := range c.below {
			if got := g.MayMatchBelow(dir); got != want {
				t.Errorf("%q: MayMatchBelow(%q) = %v; want %v", c.pat, dir, got, want)
			}
		}
	}
}
