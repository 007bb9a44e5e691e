package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

// exportItem is one key in wrangler's bulk format, what `kv bulk put`, `seed
// --from` and `up --fixtures` read back.
type exportItem struct {
	Key        string          `json:"key"`
	Value      string          `json:"value"`
	Base64     bool            `json:"base64,omitempty"` // the value is not UTF-8 text
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// kvExport writes every key (with --prefix, those starting with it) as a bulk
// file on stdout: text values as they are, others in base64, with metadata and
// absolute expirations, in key order, so fixtures can be committed and reviewed.
func kvExport(c *cli.Context) error {
	if _, err := args(c, 0, 0, "export [--prefix P] > FILE.json"); err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		items, err := exportItems(ns, c.String("prefix"))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return fmt.Errorf("writing the export: %w", err)
		}
		return nil
	})
}

// kvLister is what an export reads through: a namespace, limited or not.
type kvLister interface {
	List(o emulator.ListOptions) (emulator.ListResult, error)
	GetWithMetadata(key string) (*emulator.Entry, error)
}

func exportItems(ns kvLister, prefix string) ([]exportItem, error) {
	items := []exportItem{}
	cursor := ""
	for {
		page, err := ns.List(emulator.ListOptions{Prefix: prefix, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		for _, k := range page.Keys {
			e, err := ns.GetWithMetadata(k.Name)
			if errors.Is(err, emulator.ErrNotFound) {
				continue // deleted or expired since the list
			}
			if err != nil {
				return nil, err
			}
			it := exportItem{Key: k.Name, Value: string(e.Value), Expiration: e.Expiration, Metadata: e.Metadata}
			if !utf8.Valid(e.Value) {
				it.Value, it.Base64 = base64.StdEncoding.EncodeToString(e.Value), true
			}
			items = append(items, it)
		}
		if page.ListComplete {
			return items, nil
		}
		cursor = page.Cursor
	}
}

// isBulkFile tells wrangler's bulk format (a JSON array) from the seeds format
// (an object of categories) by its first character.
func isBulkFile(data []byte) bool {
	for _, b := range data {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case 0xEF: // a UTF-8 byte order mark
			continue
		}
		return b == '['
	}
	return false
}

// loadBulk writes a bulk file into ns, as `kv bulk put` does: every item is
// checked (types, then KV limits) before the first is written, and a bad file
// names every bad item and writes nothing. It returns how many keys it wrote.
func loadBulk(ns *emulator.Namespace, file string, data []byte, log *zerolog.Logger) (int, error) {
	items, warnings, err := parseBulkPut(file, data)
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	bad, isItems := err.(*bulkFileError)
	if err != nil && !isItems {
		return 0, err
	}
	if bad == nil {
		bad = &bulkFileError{file: file}
	}
	checkBulkLimits(ns, items, bad)
	if len(bad.problems) > 0 {
		return 0, bad
	}
	for i, it := range items {
		if _, err := ns.Put(it.key, it.value, it.opts); err != nil {
			return i, fmt.Errorf("%s: item %d (key %q): %w; items before it were written", file, it.index, it.key, err)
		}
	}
	return len(items), nil
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
	if !isBulkFile(data) {
		return nil, usagef("--fixtures %s: want wrangler's bulk format, a JSON array of {\"key\", \"value\", ...} (what `arena-dev kv export` writes)", file)
	}
	return func(ns *emulator.Namespace) error {
		n, err := loadBulk(ns, file, data, log)
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
	n, err := loadBulk(ns, file, data, logOf(c))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "wrote %d keys from %s (wrangler bulk format) to namespace %s in %s\n", n, file, ns.ID(), store.Root())
	return nil
}
