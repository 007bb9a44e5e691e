package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/sommelier-arena/arena-dev/snapshot"
	"github.com/urfave/cli/v2"
)

// snapshotCommand is `arena-dev snapshot save|restore|list|rm`: named copies of
// the stack's KV state, for tests that each start from a known state.
func snapshotCommand() *cli.Command {
	name := func(c *cli.Context) (string, error) {
		if c.NArg() != 1 {
			return "", usagef("usage: arena-dev snapshot %s NAME (got %d arguments)", c.Command.Name, c.NArg())
		}
		n := c.Args().First()
		if err := snapshot.CheckName(n); err != nil {
			return "", usagef("%v", err)
		}
		return n, nil
	}
	// nameAndState is the prelude of save and restore: the snapshot's name and
	// the state it is of (a running stack's, ephemeral included).
	nameAndState := func(c *cli.Context) (string, *stackState, error) {
		n, err := name(c)
		if err != nil {
			return "", nil, err
		}
		s, err := resolveStackState(c)
		return n, s, err
	}
	return &cli.Command{
		Name:  "snapshot",
		Usage: "save, restore, list or remove named copies of the stack's KV state",
		Description: "Snapshots are consistent copies taken while the stack runs (a running --ephemeral\n" +
			"stack's state included), kept in .wrangler/arena-dev/snapshots. Restoring into a\n" +
			"running stack goes through its answers API (POST /_arena/reset?snapshot=NAME), so it\n" +
			"serves the restored state at once.",
		Subcommands: []*cli.Command{
			{
				Name: "save", Usage: "copy the KV state as NAME", ArgsUsage: "NAME",
				Flags: append(namedStackFlags(), &cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace an existing snapshot of that name"}),
				Action: func(c *cli.Context) error {
					n, s, err := nameAndState(c)
					if err != nil {
						return err
					}
					st, ns, err := s.open()
					if err != nil {
						return err
					}
					defer st.Close()
					info, err := snapshot.Save(ns, s.at.RunDir, n, c.Bool("force"))
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "saved snapshot %q: %d keys, %d bytes of values, namespace %s\n", n, info.Keys, info.Bytes, info.Namespace)
					return nil
				},
			},
			{
				Name: "restore", Usage: "make the KV state exactly snapshot NAME", ArgsUsage: "NAME",
				Flags: namedStackFlags(),
				Action: func(c *cli.Context) error {
					n, s, err := nameAndState(c)
					if err != nil {
						return err
					}
					if s.running != nil {
						var res struct{ Keys int }
						if err := s.running.Answers.Call(c.Context, "POST", "/_arena/reset?snapshot="+url.QueryEscape(n), &res); err != nil {
							return err
						}
						fmt.Fprintf(c.App.Writer, "restored snapshot %q into the running stack: %d keys\n", n, res.Keys)
						return nil
					}
					st, ns, err := s.open()
					if err != nil {
						return err
					}
					defer st.Close()
					info, err := snapshot.Restore(ns, s.at.RunDir, n)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "restored snapshot %q: %d keys\n", n, info.Keys)
					return nil
				},
			},
			{
				Name: "list", Usage: "list the snapshots", ArgsUsage: " ",
				Flags: append(namedStackFlags(), &cli.BoolFlag{Name: "json", Usage: "print a JSON array"}),
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					at, err := locateStack(c)
					if err != nil {
						return err
					}
					l, err := snapshot.List(at.RunDir)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if l == nil {
							l = []snapshot.Info{}
						}
						enc := json.NewEncoder(c.App.Writer)
						enc.SetIndent("", "  ")
						return enc.Encode(l)
					}
					tw := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "NAME\tCREATED\tKEYS\tBYTES\tNAMESPACE")
					for _, i := range l {
						fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", i.Name, i.Created.Local().Format("2006-01-02 15:04:05"), i.Keys, i.Bytes, i.Namespace)
					}
					return tw.Flush()
				},
			},
			{
				Name: "rm", Usage: "remove snapshot NAME", ArgsUsage: "NAME",
				Flags: namedStackFlags(),
				Action: func(c *cli.Context) error {
					n, err := name(c)
					if err != nil {
						return err
					}
					at, err := locateStack(c)
					if err != nil {
						return err
					}
					if err := snapshot.Remove(at.RunDir, n); err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "removed snapshot %q\n", n)
					return nil
				},
			},
		},
	}
}
