package main

import (
	"fmt"
	"os"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvbulk"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

// kvExport writes every key (with --prefix, those starting with it) as a bulk
// file on stdout (kvbulk.Export).
func kvExport(c *cli.Context) error {
	if _, err := args(c, 0, 0, "export [--prefix P] > FILE.json"); err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		items, err := kvbulk.Export(ns, c.String("prefix"))
		if err != nil {
			return err
		}
		return kvbulk.WriteJSON(c.App.Writer, items)
	})
}

// fixturesLoader reads `up --fixtures FILE` now, so a missing file or one that
// is not a JSON array fails before anything starts, and returns the function
// the stack runs on the opened namespace.
func fixturesLoader(file string, log *zerolog.Logger) (func(*emulator.Namespace) error, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, usagef("--fixtures: %v", err)
	}
	if !kvbulk.IsBulkFile(data) {
		return nil, usagef("--fixtures %s: want wrangler's bulk format, a JSON array of {\"key\", \"value\", ...} (what `arena-dev kv export` writes)", file)
	}
	return func(ns *emulator.Namespace) error {
		n, err := kvbulk.Load(ns, file, data, func(w string) { log.Warn().Msg(w) })
		if err != nil {
			return fmt.Errorf("--fixtures: %w", err)
		}
		log.Info().Str("file", file).Int("keys", n).Msg("fixtures loaded")
		return nil
	}, nil
}

// seedFromBulk is `seed --from FILE` with a bulk file: its keys are written as
// they are (fixtures), every item checked first.
func seedFromBulk(c *cli.Context, file string, data []byte) error {
	store, ns, _, err := openNamespace(c, true)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := kvbulk.Load(ns, file, data, warnf(c))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %d keys from %s (wrangler bulk format) to namespace %s in %s\n", n, file, ns.ID(), store.Root())
	return nil
}
