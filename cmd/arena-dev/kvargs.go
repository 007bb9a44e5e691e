package main

import (
	"errors"
	"flag"
	"io"
	"strings"

	"github.com/urfave/cli/v2"
)

// errHelpShown ends a command after its help was printed.
var errHelpShown = errors.New("help shown")

// interspersed re-parses a SkipFlagParsing command's raw arguments so flags may
// come after positional arguments, as with wrangler (`kv key get KEY --binding B`),
// and so `--preview false` works like `--preview=false`. It returns a context whose
// flags and Args() reflect that parse.
func interspersed(c *cli.Context) (*cli.Context, error) {
	raw := c.Args().Slice()
	bools := map[string]bool{}
	known := map[string]bool{}
	primary := map[string]string{} // alias -> name: the flag set below sets -e apart from --env
	for _, f := range c.Command.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			known[n] = true
			bools[n] = isBool
			primary[n] = f.Names()[0]
		}
	}
	var flags, pos []string
	for i := 0; i < len(raw); i++ {
		a := raw[i]
		if a == "--" {
			pos = append(pos, raw[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			parent := c
			if l := c.Lineage(); len(l) > 1 {
				parent = l[1]
			}
			if err := cli.ShowCommandHelp(parent, c.Command.Name); err != nil {
				return nil, usagef("%v", err)
			}
			return nil, errHelpShown
		}
		if !known[name] {
			return nil, usageLine(cmdName(c), "unknown flag "+a)
		}
		typed := a
		if p := primary[name]; p != name {
			a = "--" + p + strings.TrimPrefix(strings.TrimLeft(a, "-"), name)
		}
		switch {
		case hasValue:
			flags = append(flags, a)
		case bools[name]:
			if i+1 < len(raw) && (raw[i+1] == "true" || raw[i+1] == "false") {
				flags = append(flags, a+"="+raw[i+1])
				i++
			} else {
				flags = append(flags, a)
			}
		case i+1 < len(raw):
			flags = append(flags, a, raw[i+1])
			i++
		default:
			return nil, usageLine(cmdName(c), "flag "+typed+" needs a value")
		}
	}
	set := flag.NewFlagSet(c.Command.Name, flag.ContinueOnError)
	set.SetOutput(io.Discard)
	for _, f := range c.Command.Flags {
		if err := f.Apply(set); err != nil {
			return nil, usagef("%v", err)
		}
	}
	if err := set.Parse(append(append(flags, "--"), pos...)); err != nil {
		return nil, usageLine(cmdName(c), err.Error())
	}
	nc := cli.NewContext(c.App, set, c)
	nc.Command = c.Command
	return nc, nil
}

// kvLeaf makes a kv leaf command whose flags may follow its arguments.
func kvLeaf(cmd *cli.Command, action func(*cli.Context) error) *cli.Command {
	cmd.SkipFlagParsing = true
	cmd.Flags = append(cmd.Flags, namespaceFlags()...)
	cmd.Action = func(c *cli.Context) error {
		nc, err := interspersed(c)
		if errors.Is(err, errHelpShown) {
			return nil
		}
		if err != nil {
			return err
		}
		return action(nc)
	}
	return cmd
}
