// Package dotenv reads KEY=value files: wrangler's .dev.vars and the env_file of
// arena-dev.toml services. The syntax is the common one (dotenv, docker compose's
// env_file): blank lines and # comments are skipped, an optional `export ` prefix is
// allowed, values may be bare (a ` #` starts a comment), 'single-quoted' (taken
// literally) or "double-quoted" (with \n, \t, \" and \\ escapes, and may span lines).
// A line that is none of these is an error naming the file and line.
package dotenv

import (
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Var is one KEY=value, with the line it was set on.
type Var struct {
	Key, Value string
	Line       int
}

// ParseError names the file and line of a bad line.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg) }

var keyRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]*$`)

// Read parses the file at path.
func Read(path string) ([]Var, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, string(b))
}

// Parse parses dotenv text; path is only for error messages. A key set twice is
// listed twice: the later wins, as in every dotenv reader.
func Parse(path, text string) ([]Var, error) {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []Var
	for i := 0; i < len(lines); i++ {
		n := i + 1
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, rest, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok {
			return nil, &ParseError{path, n, fmt.Sprintf("want KEY=value, got %q", clip(line))}
		}
		if !keyRe.MatchString(key) {
			return nil, &ParseError{path, n, fmt.Sprintf("%q is not a variable name (letters, digits and _, not starting with a digit)", clip(key))}
		}
		rest = strings.TrimLeft(rest, " \t")
		var val string
		switch {
		case strings.HasPrefix(rest, "'"):
			end := strings.IndexByte(rest[1:], '\'')
			if end < 0 {
				return nil, &ParseError{path, n, "unterminated single quote"}
			}
			val = rest[1 : 1+end]
			if err := trailing(rest[2+end:]); err != "" {
				return nil, &ParseError{path, n, err}
			}
		case strings.HasPrefix(rest, `"`):
			body := rest[1:]
			// A double-quoted value may continue on the next lines.
			for closing(body) < 0 && i+1 < len(lines) {
				i++
				body += "\n" + lines[i]
			}
			end := closing(body)
			if end < 0 {
				return nil, &ParseError{path, n, "unterminated double quote"}
			}
			val = unescape(body[:end])
			if err := trailing(body[end+1:]); err != "" {
				return nil, &ParseError{path, n, err}
			}
		default:
			if j := strings.Index(rest, " #"); j >= 0 {
				rest = rest[:j]
			}
			val = strings.TrimSpace(rest)
		}
		out = append(out, Var{Key: key, Value: val, Line: n})
	}
	return out, nil
}

// closing is the index of the first unescaped double quote in s, or -1.
func closing(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func unescape(s string) string {
	r := strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\r`, "\r", `\"`, `"`, `\\`, `\`)
	return r.Replace(s)
}

// trailing allows only blanks and a comment after a quoted value.
func trailing(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "#") {
		return ""
	}
	return fmt.Sprintf("unexpected %q after the quoted value", clip(s))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
