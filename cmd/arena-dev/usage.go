package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// unknownCommand names the command once, with the nearest visible one as a hint.
func unknownCommand(path []string, name string, subs []*cli.Command) error {
	full := strings.TrimSpace(strings.Join(append(append([]string{}, path...), name), " "))
	helpOf := strings.TrimSpace("arena-dev " + strings.Join(path, " "))
	if s := suggestCommand(name, subs); s != "" {
		return usagef("unknown command %q (did you mean %q? see %s --help)", full, s, helpOf)
	}
	return usagef("unknown command %q (see %s --help)", full, helpOf)
}

// suggestCommand is the visible command nearest to name, if it is near enough to
// be a typo (at most a third of its letters off, or a prefix of it).
func suggestCommand(name string, cmds []*cli.Command) string {
	best, bestD := "", len(name)/3+1 // farther than that is not a typo
	for _, c := range cmds {
		if c.Hidden {
			continue
		}
		for _, n := range c.Names() {
			d := editDistance(name, n)
			if len(name) >= 2 && strings.HasPrefix(n, name) {
				d = 0
			}
			if d < bestD {
				best, bestD = n, d
			}
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: Levenshtein's, with a
// swap of two neighbours ("dwon") one edit, the commonest typo.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// onUsageError turns urfave's flag parse errors into one line naming the command
// and the flag, with where to look, instead of the whole help.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := cmdName(c)
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		msg = "unknown flag " + dashed(f)
	} else if f, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		msg = "flag " + dashed(f) + " needs a value"
	}
	return usageLine(name, msg)
}

// cmdName is the running command's path without the program name ("" at the root).
func cmdName(c *cli.Context) string {
	return strings.TrimSpace(strings.TrimPrefix(c.Command.HelpName, c.App.Name))
}

// usageLine is "[CMD: ]MSG (see arena-dev [CMD ]--help)".
func usageLine(cmd, msg string) error {
	if cmd == "" {
		return usagef("%s (see arena-dev --help)", msg)
	}
	return usagef("%s: %s (see arena-dev %s --help)", cmd, msg, cmd)
}

// dashed writes a flag as users type it: -n, --tail (Go's flag package says -tail).
func dashed(f string) string {
	f = strings.TrimLeft(f, "-")
	if len(f) == 1 {
		return "-" + f
	}
	return "--" + f
}

// setUsageErrors gives the app and every command onUsageError.
func setUsageErrors(app *cli.App) {
	app.OnUsageError = onUsageError
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			c.OnUsageError = onUsageError
			walk(c.Subcommands)
		}
	}
	walk(app.Commands)
}
