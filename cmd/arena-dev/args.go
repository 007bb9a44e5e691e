package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs is a pre-pass over the command line that gives every command
// GNU-style flags, which urfave/cli v2 lacks (its parser stops at the first
// argument, so `logs web1 -n 2` read "-n" as a service): it walks the command tree
// to the leaf command, then moves the leaf's flags (with their values) before its
// arguments, and global flags written anywhere after a command name (`status
// --log-level debug`) to the front. `--` ends flag processing. An unknown command
// is a usage error here, named once, instead of urfave's "No help topic" (exit 3).
//
// Unknown flags stay where they are for urfave to reject (see onUsageError). The
// kv leaves (SkipFlagParsing) keep their own order, since interspersed parses them
// (`--preview false`); only global flags are taken out of them.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	// Shell completion appends this flag last and parses what is before it as typed.
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args, nil
	}
	globals := flagTable(append(append([]cli.Flag{}, app.Flags...), cli.HelpFlag, cli.VersionFlag))
	out := []string{args[0]}
	var front []string // global flags, placed right after the program name
	var levels []string
	var path []string // command names so far, for messages
	subs := app.Commands
	var cur *cli.Command // nil: the root
	rest := args[1:]
	for len(rest) > 0 {
		tok := rest[0]
		if tok == "--" { // before a leaf: nothing to reorder safely
			return args, nil
		}
		if isFlag(tok) {
			own := globals
			if cur != nil {
				own = flagTable(append(append([]cli.Flag{}, cur.Flags...), cli.HelpFlag))
			}
			n := own.span(tok, rest)
			switch {
			case cur == nil:
				front = append(front, rest[:n]...)
			case !own.has(tok) && globals.has(tok):
				n = globals.span(tok, rest)
				front = append(front, rest[:n]...)
			default: // this command's own, or unknown: urfave judges it here
				levels = append(levels, rest[:n]...)
			}
			rest = rest[n:]
			continue
		}
		next := findCommand(subs, tok)
		if next == nil {
			return nil, unknownCommand(path, tok, subs)
		}
		path = append(path, next.Name)
		levels = append(levels, tok)
		rest = rest[1:]
		cur, subs = next, next.Subcommands
		if len(subs) == 0 {
			leaf := reorderLeaf(cur, globals, rest, &front)
			if isHelp(cur) {
				if err := checkHelpTopics(app, path[:len(path)-1], leaf); err != nil {
					return nil, err
				}
			}
			levels = append(levels, leaf...)
			rest = nil
		}
	}
	return append(append(out, front...), levels...), nil
}

// reorderLeaf puts a leaf command's flags before its arguments and moves global
// flags to *front. A SkipFlagParsing leaf keeps its own order (interspersed parses it).
func reorderLeaf(cmd *cli.Command, globals flagSet, rest []string, front *[]string) []string {
	own := flagTable(append(append([]cli.Flag{}, cmd.Flags...), cli.HelpFlag))
	var flags, pos []string
	dashdash := false
	for i := 0; i < len(rest); {
		tok := rest[i]
		switch {
		case tok == "--" && cmd.SkipFlagParsing:
			pos, i = append(pos, rest[i:]...), len(rest)
		case tok == "--":
			dashdash = true
			pos, i = append(pos, rest[i+1:]...), len(rest)
		case !isFlag(tok):
			pos, i = append(pos, tok), i+1
		case !own.has(tok) && globals.has(tok):
			n := globals.span(tok, rest[i:])
			*front = append(*front, rest[i:i+n]...)
			i += n
		default:
			n := own.span(tok, rest[i:])
			if cmd.SkipFlagParsing {
				pos = append(pos, rest[i:i+n]...)
			} else {
				flags = append(flags, rest[i:i+n]...)
			}
			i += n
		}
	}
	if dashdash {
		flags = append(flags, "--")
	}
	return append(flags, pos...)
}

// checkHelpTopics makes `help upp` the same usage error as `upp`.
func checkHelpTopics(app *cli.App, parent []string, topics []string) error {
	subs := app.Commands
	path := append([]string{}, parent...)
	for _, p := range parent {
		subs = findCommand(subs, p).Subcommands
	}
	for _, t := range topics {
		if isFlag(t) {
			continue
		}
		c := findCommand(subs, t)
		if c == nil {
			return unknownCommand(path, t, subs)
		}
		path, subs = append(path, c.Name), c.Subcommands
	}
	return nil
}

// flagSet maps each name of a command's flags (without dashes) to whether it takes
// a value.
type flagSet map[string]bool

func flagTable(flags []cli.Flag) flagSet {
	t := flagSet{}
	for _, f := range flags {
		if f == nil {
			continue
		}
		takes := true
		if v, ok := f.(interface{ TakesValue() bool }); ok {
			takes = v.TakesValue()
		}
		for _, n := range f.Names() {
			t[n] = takes
		}
	}
	return t
}

func (t flagSet) has(tok string) bool { _, ok := t[flagName(tok)]; return ok }

// span is how many tokens the flag at toks[0] uses: two for a known flag that
// takes a value not written as --f=v (when there is a next token), else one. A bool
// never takes the next token; an unknown flag is left alone, one token.
func (t flagSet) span(tok string, toks []string) int {
	if strings.Contains(tok, "=") || !t[flagName(tok)] || len(toks) < 2 {
		return 1
	}
	return 2
}

// isFlag: "-x", "--xy", "--x=v"; not "-" (stdin) or "--".
func isFlag(tok string) bool { return len(tok) > 1 && tok[0] == '-' && tok != "--" }

func flagName(tok string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(tok, "-"), "=")
	return name
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	if name == "help" || name == "h" { // urfave adds it to every level at run time
		return helpCommandStub
	}
	return nil
}

// helpCommandStub stands for urfave's help command, which only exists once the
// app runs; its arguments are command names.
var helpCommandStub = &cli.Command{Name: "help", Aliases: []string{"h"}}

func isHelp(c *cli.Command) bool { return c == helpCommandStub || c.Name == "help" }
