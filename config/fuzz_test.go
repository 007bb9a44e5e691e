package config

import (
	"strings"
	"testing"
)

// FuzzParse: arena-dev.toml parsing never panics, every error names the file (so
// the user knows where to look), and a file that parses yields a project whose
// services can be listed and expanded.
func FuzzParse(f *testing.F) {
	f.Add(Template)
	for _, s := range []string{
		``,
		`[answers]` + "\n" + `port = 8787`,
		`[services.x]` + "\n" + `command = ["sh"]` + "\n" + `depends_on = ["x"]`,
		`[services.a]` + "\n" + `shell = "true"` + "\n" + `port = 70000`,
		`[services.a]` + "\n" + `shell = "${PORT}"` + "\n" + `stop_timeout = "-1s"`,
		`[services.a]` + "\n" + `command = ["x"]` + "\n" + `probe = { kind = "log", pattern = "(" }`,
		"a = 1\n[[b]]\nc = \"\\u0000\"",
	} {
		f.Add([]byte(s))
	}
	const path = "/fuzz/arena-dev.toml"
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("/fuzz", path, data)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, name := range p.ServiceNames() {
			p.Expanded(name) // may fail on a bad reference, must not panic
		}
	})
}
