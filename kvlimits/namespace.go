package kvlimits

import (
	"errors"
	"iter"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// Namespace is an emulator namespace whose operations go through a Limiter:
// what the dashboard's KV browser, the `kv` commands and the answers API write
// with. With a nil Limiter it is the namespace itself. Seeding, fixtures,
// snapshots and resets use the namespace directly: they are arena-dev setting
// up state, not traffic production KV would see.
type Namespace struct {
	*emulator.Namespace
	l *Limiter
	// reads: Get and GetWithMetadata count. The answers API counts its reads per
	// request itself (a cached GET is still one KV read in the Worker), so its
	// view does not.
	reads bool
}

// Wrap limits every operation on ns.
func Wrap(ns *emulator.Namespace, l *Limiter) *Namespace {
	return &Namespace{Namespace: ns, l: l, reads: true}
}

// WrapWrites limits writes, deletes and lists on ns; reads pass uncounted.
func WrapWrites(ns *emulator.Namespace, l *Limiter) *Namespace {
	return &Namespace{Namespace: ns, l: l}
}

// Limiter is the limiter, nil when none.
func (n *Namespace) Limiter() *Limiter { return n.l }

// Get counts one read.
func (n *Namespace) Get(key string) ([]byte, error) {
	if err := n.countRead(key); err != nil {
		return nil, err
	}
	return n.Namespace.Get(key)
}

// GetWithMetadata counts one read.
func (n *Namespace) GetWithMetadata(key string) (*emulator.Entry, error) {
	if err := n.countRead(key); err != nil {
		return nil, err
	}
	return n.Namespace.GetWithMetadata(key)
}

func (n *Namespace) countRead(key string) error {
	if n.l == nil || !n.reads {
		return nil
	}
	return n.l.Count(Read, n.ID(), key)
}

// List counts one list (one page).
func (n *Namespace) List(o emulator.ListOptions) (emulator.ListResult, error) {
	if n.l != nil {
		if err := n.l.Count(List, n.ID(), o.Prefix); err != nil {
			return emulator.ListResult{}, err
		}
	}
	return n.Namespace.List(o)
}

// Keys iterates through this wrapper's List, so every page counts (the
// embedded namespace's Keys would list around the limits).
func (n *Namespace) Keys(prefix string) iter.Seq2[emulator.KeyInfo, error] {
	return emulator.KeysOf(n, prefix)
}

// Entries iterates through this wrapper's List and GetWithMetadata.
func (n *Namespace) Entries(prefix string) iter.Seq2[*emulator.Entry, error] {
	return emulator.EntriesOf(n, prefix)
}

// Put is refused within a second of the key's last write (and past the write
// quota in free mode); a refused put stores nothing.
func (n *Namespace) Put(key string, value []byte, o emulator.PutOptions) (emulator.PutResult, error) {
	if n.l == nil {
		return n.Namespace.Put(key, value, o)
	}
	// A put that breaks a size limit fails first, as in production, and is no write.
	if err := n.Namespace.CheckPut(key, value, o); err != nil {
		return emulator.PutResult{}, err
	}
	t, err := n.l.Begin(Write, n.ID(), key)
	if err != nil {
		return emulator.PutResult{}, err
	}
	res, err := n.Namespace.Put(key, value, o)
	if err != nil {
		return res, errors.Join(err, t.Done(false))
	}
	return res, nil
}

// Delete is limited as a write of the key (it changes the key, and Cloudflare
// documents no exemption from "one write a second to the same key"), so it
// takes the key's one-a-second slot; the daily counts count it as a delete.
func (n *Namespace) Delete(key string) error {
	if n.l == nil {
		return n.Namespace.Delete(key)
	}
	t, err := n.l.Begin(Delete, n.ID(), key)
	if err != nil {
		return err
	}
	if err := n.Namespace.Delete(key); err != nil {
		return errors.Join(err, t.Done(false))
	}
	return nil
}

// Update is the emulator's conditional read-modify-write with the write
// limited: fn runs first (a change it refuses is no write), then the write is
// admitted or refused before anything is stored. The read inside is not
// counted: the caller counts its own reads.
func (n *Namespace) Update(key string, fn emulator.UpdateFunc) (emulator.PutResult, error) {
	if n.l == nil {
		return n.Namespace.Update(key, fn)
	}
	var t *Ticket
	res, err := n.Namespace.Update(key, func(cur *emulator.Entry) ([]byte, emulator.PutOptions, error) {
		v, o, err := fn(cur)
		if err != nil || t != nil {
			return v, o, err
		}
		if err := n.Namespace.CheckPut(key, v, o); err != nil {
			return nil, o, err
		}
		if t, err = n.l.Begin(Write, n.ID(), key); err != nil {
			return nil, o, err
		}
		return v, o, nil
	})
	if err != nil && t != nil {
		err = errors.Join(err, t.Done(false))
	}
	return res, err
}
