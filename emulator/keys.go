package emulator

import (
	"errors"
	"iter"
)

// Keys yields every live key with prefix in key order, listing a page at a time,
// so callers need no cursor loop. An error is yielded once, as the last pair.
func (n *Namespace) Keys(prefix string) iter.Seq2[KeyInfo, error] {
	return func(yield func(KeyInfo, error) bool) {
		for cursor := ""; ; {
			page, err := n.List(ListOptions{Prefix: prefix, Cursor: cursor})
			if err != nil {
				yield(KeyInfo{}, err)
				return
			}
			for _, k := range page.Keys {
				if !yield(k, nil) {
					return
				}
			}
			if page.ListComplete || page.Cursor == "" {
				return
			}
			cursor = page.Cursor
		}
	}
}

// Entries yields every live key's entry (value, metadata, expiration) with
// prefix in key order. A key deleted or expired between its listing and its read
// is skipped; an error is yielded once, as the last pair.
func (n *Namespace) Entries(prefix string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		for k, err := range n.Keys(prefix) {
			if err != nil {
				yield(nil, err)
				return
			}
			e, err := n.GetWithMetadata(k.Name)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}
