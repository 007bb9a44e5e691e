package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/sommelier-arena/arena-dev/kvbulk"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

func kvBulkPut(c *cli.Context) error {
	file, data, err := bulkFile(c, "bulk put FILE")
	if err != nil {
		return err
	}
	// A file that is not a bulk array fails before the namespace is opened; bad
	// items are reported by Load, together with what KV limits refuse.
	if _, _, err := kvbulk.ParsePut(file, data); err != nil && !errors.As(err, new(*kvbulk.FileError)) {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		n, err := kvbulk.Load(ns, file, data, warnf(c))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "Success! Wrote %d keys to namespace %s.\n", n, ns.ID())
		return nil
	})
}

func kvBulkDelete(c *cli.Context) error {
	file, data, err := bulkFile(c, "bulk delete FILE")
	if err != nil {
		return err
	}
	if _, err := kvbulk.ParseDelete(file, data); err != nil {
		return err // before the namespace is opened
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		n, err := kvbulk.Delete(ns, file, data)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "Success! Deleted %d keys from namespace %s.\n", n, ns.ID())
		return nil
	})
}

// bulkFile is the FILE argument of `kv bulk put|delete` and its content.
func bulkFile(c *cli.Context, usage string) (string, []byte, error) {
	a, err := args(c, 1, 1, usage)
	if err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(a[0])
	return a[0], data, err
}

// warnf logs each of a bulk file's warnings (unknown properties).
func warnf(c *cli.Context) func(string) {
	return func(w string) { logOf(c).Warn().Msg(w) }
}
