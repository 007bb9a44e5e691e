package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

// kvQuotaCommand is `arena-dev kv quota [--reset] [--json]`: the state's KV
// limits counts (kvlimits), shown or cleared.
func kvQuotaCommand() *cli.Command {
	return kvLeaf(&cli.Command{
		Name: "quota", ArgsUsage: " ",
		Usage: "show today's KV operation counts against the free plan's quotas and the recent refusals (--kv-limits); --reset clears them",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "reset", Usage: "clear the counts, the keys' 1 s windows and the refusals"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (what GET /_arena/kv/limits answers)"},
		},
	}, kvQuota)
}

func kvQuota(c *cli.Context) error {
	if _, err := args(c, 0, 0, "quota [--reset] [--json]"); err != nil {
		return err
	}
	_, target, err := resolveNamespace(c, true) // the state serve and up use
	if err != nil {
		return err
	}
	lim, err := kvlimits.Inspect(target.PersistRoot, kvlimits.Options{})
	if err != nil {
		return err
	}
	if lim == nil {
		fmt.Fprintf(c.App.Writer, "no KV limits counts in %s: no server ran there with --kv-limits production or free\n", target.PersistRoot)
		return nil
	}
	defer lim.Close()
	if c.Bool("reset") {
		if err := lim.Reset(); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "cleared the KV limits counts, key windows and refusals in %s\n", lim.Path())
		return nil
	}
	rep, err := lim.Report()
	if err != nil {
		return err
	}
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	_, err = fmt.Fprint(c.App.Writer, rep.Text())
	return err
}

// explainRefusal adds to a KV refusal of a kv command why arena-dev refused it.
func explainRefusal(err error) error {
	var r *kvlimits.Refusal
	if errors.As(err, &r) {
		return fmt.Errorf("%w (--kv-limits: %s; `arena-dev kv quota` shows the counts)", err, r.Detail)
	}
	return err
}
