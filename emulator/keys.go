package emulator

import (
	"errors"
	"iter"
)

// Lister lists a page of keys: a *Namespace, or a wrapper that counts or limits
// its lists (kvlimits).
type Lister interface {
	List(o ListOptions) (ListResult, error)
}

// Reader lists keys and reads entries, as Lister.
type Reader interface {
	Lister
	GetWithMetadata(key string) (*Entry, error)
}

// Keys yields every live key with prefix in key order, listing a page at a time,
// so callers need no cursor loop. An error is yielded once, as the last pair.
func (n *Namespace) Keys(prefix string) iter.Seq2[KeyInfo, error] { return KeysOf(n, prefix) }

// Entries yields every live key's entry (value, metadata, expiration) with
// prefix in key order. A key deleted or expired between its listing and its read
// is skipped; an error is yielded once, as the last pair.
func (n *Namespace) Entries(prefix string) iter.Seq2[*Entry, error] { return EntriesOf(n, prefix) }

// KeysOf is Keys through l's List, so a wrapper's iteration goes through its
// own List (and counts each page).
func KeysOf(l Lister, prefix string) iter.Seq2[KeyInfo, error] {
	return func(yield func(KeyInfo, error) bool) {
		for cursor := ""; ; {
			page, err := l.List(ListOptions{Prefix: prefix, Cursor: cursor})
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

// EntriesOf is Entries through r's List and GetWithMetadata.
func EntriesOf(r Reader, prefix string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		for k, err := range KeysOf(r, prefix) {
			if err != nil {
				yield(nil, err)
				return
			}
			e, err := r.GetWithMetadata(k.Name)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}
