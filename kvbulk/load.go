package kvbulk

import (
	"errors"
	"fmt"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// Writer is what Load writes through: a *emulator.Namespace, or one whose
// writes KV limits count and refuse (*kvlimits.Namespace).
type Writer interface {
	PutChecker
	Put(key string, value []byte, o emulator.PutOptions) (emulator.PutResult, error)
}

// Deleter is what Delete deletes through, as Writer.
type Deleter interface {
	Delete(key string) error
}

// Load writes a bulk put file into ns, as `kv bulk put`, `seed --from` and `up
// --fixtures` do: every item is checked (types, then KV limits) before the first
// is written, and a bad file names every bad item (a *FileError) and writes
// nothing. Unknown properties go to warn (wrangler ignores them too). It returns
// how many keys it wrote.
func Load(ns Writer, file string, data []byte, warn func(string)) (int, error) {
	items, warnings, err := ParsePut(file, data)
	for _, w := range warnings {
		warn(w)
	}
	var bad *FileError
	if err != nil && !errors.As(err, &bad) {
		return 0, err
	}
	if bad == nil {
		bad = &FileError{File: file}
	}
	CheckLimits(ns, items, bad)
	if len(bad.Problems) > 0 {
		return 0, bad
	}
	for i, it := range items {
		if _, err := ns.Put(it.Key, it.Value, it.Opts); err != nil {
			return i, fmt.Errorf("%s: item %d (key %q): %w; items before it were written", file, it.Index, it.Key, err)
		}
	}
	return len(items), nil
}

// Delete deletes every key a bulk delete file lists, in order, and returns how
// many; a bad file deletes nothing.
func Delete(ns Deleter, file string, data []byte) (int, error) {
	keys, err := ParseDelete(file, data)
	if err != nil {
		return 0, err
	}
	for i, k := range keys {
		if err := ns.Delete(k); err != nil {
			return i, fmt.Errorf("key %q: %w", k, err)
		}
	}
	return len(keys), nil
}
