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

// `arena-dev --help` groups the commands by category, in the order of
// commandCategories, and every command is in one the list names.
func TestHelpGroupsCommandsByCategory(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range commandCategories {
		for _, n := range c.commands {
			listed[n] = true
		}
	}
	for _, c := range newApp().Commands {
		if !c.Hidden && !listed[c.Name] {
			t.Errorf("command %s is in no category of commandCategories", c.Name)
		}
	}
	app := newApp()
	var out bytes.Buffer
	app.Writer = &out
	if err := app.Run([]string{"arena-dev", "--help"}); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	// Each category's part of the help: from its heading to the next one.
	var starts []int
	for _, c := range commandCategories {
		i := strings.Index(help, "\n   "+c.name+":\n")
		if i < 0 || (len(starts) > 0 && i < starts[len(starts)-1]) {
			t.Fatalf("category %s is missing or out of order in:\n%s", c.name, help)
		}
		starts = append(starts, i)
	}
	starts = append(starts, strings.Index(help, "\nGLOBAL OPTIONS:"))
	for k, c := range commandCategories {
		part := help[starts[k]:starts[k+1]]
		for _, n := range c.commands {
			if !strings.Contains(part, "\n     "+n+" ") && !strings.Contains(part, "\n     "+n+",") {
				t.Errorf("%s is not listed under %s:\n%s", n, c.name, part)
			}
		}
	}
}
