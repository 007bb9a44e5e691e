package main

import (
	"fmt"

	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/urfave/cli/v2"
)

// kvPropagateCommand is `arena-dev kv propagate`: POST /_arena/kv/propagate on
// the running stack, which ends every edge location's propagation window.
func kvPropagateCommand() *cli.Command {
	return &cli.Command{
		Name:      "propagate",
		Usage:     "edge consistency mode: end every location's propagation window now (the running stack)",
		ArgsUsage: " ",
		Flags:     namedStackFlags(),
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			r, err := attachStack(c)
			if err != nil {
				return err
			}
			var res struct {
				Mode       string
				Propagated []kvedge.Stale
			}
			if err := r.Answers.Call(c.Context, "POST", "/_arena/kv/propagate", &res); err != nil {
				return err
			}
			if res.Mode != "edge" {
				fmt.Fprintln(c.App.Writer, "the stack runs with strong KV consistency: nothing to propagate")
				return nil
			}
			for _, st := range res.Propagated {
				fmt.Fprintf(c.App.Writer, "%s\t%s\t(was stale for %s more)\n", st.Colo, st.Key, st.FreshIn)
			}
			fmt.Fprintf(c.App.Writer, "propagated: %d stale copies ended; every location now reads the store\n", len(res.Propagated))
			return nil
		},
	}
}
