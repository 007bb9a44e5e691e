package parity

import (
	"errors"

	"github.com/sommelier-arena/arena-dev/answers/conformance"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// Borrow lends the categories of namespace ns under root to the conformance suite,
// which expects to start on empty ones (it POSTs answers the seeds have): it saves
// the category keys, deletes them, and returns the function that puts them back
// exactly (the same bytes, metadata and expiration; a key that did not exist is
// deleted). Written through the emulator, which both implementations read at once.
func Borrow(root, ns string) (restore func() error, err error) {
	n, err := emulator.OpenNamespace(root, ns)
	if err != nil {
		return nil, err
	}
	saved := map[string]*emulator.Entry{}
	for _, c := range conformance.Categories {
		key := "answers:" + c
		e, err := n.GetWithMetadata(key)
		if err != nil && !errors.Is(err, emulator.ErrNotFound) {
			n.Close()
			return nil, err
		}
		saved[key] = e // nil: absent
	}
	if err := clearCategories(n.Namespace); err != nil {
		n.Close()
		return nil, err
	}
	return func() error {
		defer n.Close()
		var errs []error
		for key, e := range saved {
			if e == nil {
				if err := n.Delete(key); err != nil && !errors.Is(err, emulator.ErrNotFound) {
					errs = append(errs, err)
				}
				continue
			}
			if _, err := n.Put(key, e.Value, emulator.PutOptions{Expiration: e.Expiration, Metadata: e.Metadata}); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil
}

// clearCategories deletes the five category keys.
func clearCategories(n *emulator.Namespace) error {
	for _, c := range conformance.Categories {
		if err := n.Delete("answers:" + c); err != nil && !errors.Is(err, emulator.ErrNotFound) {
			return err
		}
	}
	return nil
}
