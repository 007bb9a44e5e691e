package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestEveryCommandHasWorkingHelp runs `--help` on every command and subcommand: a
// flag defined twice (urfave/cli panics at parse time) or a missing usage line
// shows up here, not in a user's terminal.
func TestEveryCommandHasWorkingHelp(t *testing.T) {
	var walk func(path []string, cmds []*cli.Command)
	n := 0
	walk = func(path []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden {
				continue
			}
			p := append(append([]string{}, path...), c.Name)
			n++
			t.Run(strings.Join(p, " "), func(t *testing.T) {
				if c.Usage == "" {
					t.Errorf("%v has no usage line", p)
				}
				app := newApp()
				var out bytes.Buffer
				app.Writer, app.ErrWriter = &out, &out
				if err := app.Run(append(append([]string{"arena-dev"}, p...), "--help")); err != nil {
					t.Fatalf("%v --help: %v", p, err)
				}
				if !strings.Contains(out.String(), c.Name) {
					t.Errorf("%v --help printed:\n%s", p, out.String())
				}
			})
			walk(p, c.Subcommands)
		}
	}
	walk(nil, newApp().Commands)
	if n < 20 {
		t.Fatalf("walked only %d commands", n)
	}
}
