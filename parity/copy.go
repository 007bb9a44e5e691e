package parity

import (
	"errors"
	"fmt"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// CopyNamespace copies every key of namespace ns (value, expiration, metadata)
// from the state under srcRoot to a new state under dstRoot, through the emulator:
// a consistent copy even while a running stack writes, in Miniflare's own format,
// which both implementations read.
func CopyNamespace(srcRoot, dstRoot, ns string) (int, error) {
	src, err := emulator.Open(srcRoot)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	from, err := src.Namespace(ns)
	if err != nil {
		return 0, err
	}
	dst, err := emulator.Open(dstRoot)
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	to, err := dst.Namespace(ns)
	if err != nil {
		return 0, err
	}
	n := 0
	for cursor := ""; ; {
		page, err := from.List(emulator.ListOptions{Cursor: cursor})
		if err != nil {
			return n, err
		}
		for _, k := range page.Keys {
			e, err := from.GetWithMetadata(k.Name)
			if errors.Is(err, emulator.ErrNotFound) {
				continue // expired or deleted since the listing
			}
			if err != nil {
				return n, fmt.Errorf("copying %q: %w", k.Name, err)
			}
			if _, err := to.Put(e.Key, e.Value, emulator.PutOptions{Expiration: e.Expiration, Metadata: e.Metadata}); err != nil {
				return n, fmt.Errorf("copying %q: %w", k.Name, err)
			}
			n++
		}
		if page.ListComplete || page.Cursor == "" {
			return n, nil
		}
		cursor = page.Cursor
	}
}
