package main

import (
	"fmt"
	"os"
	"time"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/kvbulk"
	"github.com/sommelier-arena/arena-dev/seeds"
	"github.com/urfave/cli/v2"
)

// seedCommand writes the seed answers into the namespace, idempotently.
func seedCommand() *cli.Command {
	return &cli.Command{
		Name:      "seed",
		Usage:     "add the seed wine answers the namespace lacks (keeps custom answers unless --reset)",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "reset", Usage: "make each seeded category exactly the seeds, dropping custom answers"},
			&cli.StringFlag{Name: "from", Usage: "seed from this JSON file instead of the built-in set: seeds/answers.json's shape (an object of categories), or wrangler's bulk format (an array, what `kv export` writes), written as is"},
		}, namespaceFlags()...),
		Action: runSeed,
	}
}

func runSeed(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	set := seeds.Default()
	if f := c.String("from"); f != "" {
		if data, err := os.ReadFile(f); err == nil && kvbulk.IsBulkFile(data) {
			return seedFromBulk(c, f, data) // kvexport.go's loader
		}
		var err error
		if set, err = seeds.Load(f, time.Now()); err != nil {
			return err
		}
	}
	store, ns, _, err := openNamespace(c, true)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := seeds.Apply(answers.NewStore(ns, nil, *logOf(c)), set, seeds.Options{Reset: c.Bool("reset")})
	for _, r := range res {
		state := "unchanged"
		if r.Written {
			state = "written"
		}
		fmt.Fprintf(c.App.Writer, "%-8s %3d added  %3d kept  %3d removed  (%s)\n", r.Category, r.Added, r.Kept, r.Removed, state)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "namespace %s in %s\n", ns.ID(), store.Root())
	return nil
}
