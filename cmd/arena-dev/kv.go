package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvbulk"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

// kvCommand is `arena-dev kv`, wrangler's `kv key` and `kv bulk` vocabulary on the
// local state, with no wrangler or Node needed.
func kvCommand() *cli.Command {
	return &cli.Command{
		Name:  "kv",
		Usage: "read and write the local KV state (.wrangler/state) as `wrangler kv ... --local` does",
		Subcommands: []*cli.Command{
			{
				Name:  "key",
				Usage: "put, get, list or delete single keys",
				Subcommands: []*cli.Command{
					kvLeaf(&cli.Command{
						Name: "put", Usage: "write a value to a key", ArgsUsage: "KEY [VALUE]",
						Flags: []cli.Flag{
							&cli.StringFlag{Name: "path", Usage: "read the value from `FILE` (bytes as they are) instead of VALUE"},
							&cli.StringFlag{Name: "metadata", Usage: "attach this `JSON` as the key's metadata"},
							&cli.StringFlag{Name: "ttl", Usage: "expire after `SECONDS` (at least 60)"},
							&cli.StringFlag{Name: "expiration", Usage: "expire at `TIME`, seconds since the epoch (at least 60 s ahead)"},
						},
					}, kvKeyPut),
					kvLeaf(&cli.Command{
						Name: "get", Usage: "write a key's value to stdout (raw bytes)", ArgsUsage: "KEY",
						Flags: []cli.Flag{&cli.BoolFlag{Name: "text", Usage: "decode the value as UTF-8 text and end it with a newline"}},
					}, kvKeyGet),
					kvLeaf(&cli.Command{
						Name: "list", Usage: "print every key (all pages) as a JSON array of {name, expiration?, metadata?}", ArgsUsage: " ",
						Flags: []cli.Flag{&cli.StringFlag{Name: "prefix", Usage: "only keys starting with `PREFIX`"}},
					}, kvKeyList),
					kvLeaf(&cli.Command{Name: "delete", Usage: "remove a key", ArgsUsage: "KEY"}, kvKeyDelete),
				},
			},
			{
				Name:  "bulk",
				Usage: "write or delete many keys from a JSON file",
				Subcommands: []*cli.Command{
					kvLeaf(&cli.Command{
						Name: "put", ArgsUsage: "FILE",
						Usage: `write the key-value pairs in FILE: [{"key", "value", "base64"?, "expiration"?, "expiration_ttl"?, "metadata"?}]`,
					}, kvBulkPut),
					kvLeaf(&cli.Command{
						Name: "delete", ArgsUsage: "FILE",
						Usage: `delete the keys in FILE: ["key", ...] or [{"name": "key"}, ...]`,
						// wrangler asks before deleting unless --force; arena-dev never asks.
						Flags: []cli.Flag{&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask for confirmation (arena-dev never asks; as in wrangler)"}},
					}, kvBulkDelete),
				},
			},
			kvLeaf(&cli.Command{
				Name: "export", Usage: "write every key as wrangler's bulk JSON (base64 for binary values, metadata, expiration) to stdout", ArgsUsage: " ",
				Flags: []cli.Flag{&cli.StringFlag{Name: "prefix", Usage: "only keys starting with `PREFIX`"}},
			}, kvExport), // kvexport.go
			kvPropagateCommand(), // kvpropagate.go
			kvQuotaCommand(),     // kvquota.go
		},
	}
}

// args checks the positional argument count and returns them.
func args(c *cli.Context, min, max int, usage string) ([]string, error) {
	a := c.Args().Slice()
	if len(a) < min || len(a) > max {
		return nil, usagef("usage: arena-dev kv %s (got %d arguments)", usage, len(a))
	}
	return a, nil
}

// intFlag parses an optional integer flag; "" is 0.
func intFlag(c *cli.Context, name string) (int64, error) {
	s := c.String(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, usagef("--%s %q: want a whole number of seconds", name, s)
	}
	return n, nil
}

func kvKeyPut(c *cli.Context) error {
	a, err := args(c, 1, 2, "key put KEY [VALUE] [--path FILE]")
	if err != nil {
		return err
	}
	key := a[0]
	var value []byte
	switch path := c.String("path"); {
	case path != "" && len(a) == 2:
		return usagef("give the value either as VALUE or with --path, not both")
	case path != "":
		if value, err = os.ReadFile(path); err != nil {
			return fmt.Errorf("--path: %w", err)
		}
	case len(a) == 2:
		value = []byte(a[1])
	default:
		return usagef("missing the value: give VALUE or --path FILE")
	}
	var opts emulator.PutOptions
	if m := c.String("metadata"); m != "" {
		if !json.Valid([]byte(m)) {
			return usagef("--metadata %q is not valid JSON", m)
		}
		opts.Metadata = json.RawMessage(m)
	}
	if opts.ExpirationTTL, err = intFlag(c, "ttl"); err != nil {
		return err
	}
	if opts.Expiration, err = intFlag(c, "expiration"); err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		if _, err := ns.Put(key, value, opts); err != nil {
			return err
		}
		what := fmt.Sprintf("the value %q", string(value))
		if p := c.String("path"); p != "" {
			what = "the contents of " + p
		}
		fmt.Fprintf(c.App.Writer, "Wrote %s to key %q on namespace %s.\n", what, key, ns.ID())
		return nil
	})
}

func kvKeyGet(c *cli.Context) error {
	a, err := args(c, 1, 1, "key get KEY [--text]")
	if err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		v, err := ns.Get(a[0])
		if errors.Is(err, emulator.ErrNotFound) {
			return fmt.Errorf("Value not found: no key %q in namespace %s", a[0], ns.ID())
		}
		if err != nil {
			return err
		}
		if c.Bool("text") {
			v = append([]byte(strings.ToValidUTF8(string(v), "\uFFFD")), '\n')
		}
		if _, err := c.App.Writer.Write(v); err != nil {
			return fmt.Errorf("writing the value: %w", err)
		}
		return nil
	})
}

func kvKeyList(c *cli.Context) error {
	if _, err := args(c, 0, 0, "key list [--prefix P]"); err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		keys := []emulator.KeyInfo{}
		for k, err := range ns.Keys(c.String("prefix")) {
			if err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return kvbulk.WriteJSON(c.App.Writer, keys)
	})
}

func kvKeyDelete(c *cli.Context) error {
	a, err := args(c, 1, 1, "key delete KEY")
	if err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		if err := ns.Delete(a[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "Deleted the key %q on namespace %s.\n", a[0], ns.ID())
		return nil
	})
}
