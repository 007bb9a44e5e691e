// Package kvedge simulates Cloudflare KV's eventual consistency on top of the
// strongly consistent emulator (--kv-consistency edge).
//
// In production a Worker's KV read is served from a cache in its edge location
// (colo): a value read there is kept for the cache TTL (60 s at least) and served
// even after the central store changed. A write goes to the store and updates the
// writing location's cache only; other locations see it once their cached copy
// expires. The wine-answers Worker's read-modify-write reads through that cache
// too, then puts blindly: two hosts in different locations who add answers
// within the window can lose one even when their writes are far apart.
//
// KV reproduces this: each location has a cache of (value, time read); a read
// within Delay of it returns the cached value, else reads the store and caches
// that (a missing key is cached too, as KV does). Update reads through the
// location's cache and writes the result over whatever the store holds, as the
// Worker's get-then-put does. Propagate ends every window at once; Stale lists
// what is still stale, and where. The clock is injectable, so tests need no
// sleeping.
package kvedge

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// DefaultDelay is the propagation window the design record quotes ("up to 60
// seconds"), Cloudflare's minimum cacheTtl.
const DefaultDelay = 60 * time.Second

// Options configure the edge layer.
type Options struct {
	Delay time.Duration    // how long a location serves what it read or wrote; 0 = DefaultDelay
	Now   func() time.Time // nil = time.Now
}

// KV is the store seen through per-location caches. Its own methods are those
// of answers.DefaultColo. All methods are safe for concurrent use.
type KV struct {
	base  answers.KV
	delay time.Duration
	now   func() time.Time

	// mu is held across a location's read-through and an update's write, so a
	// location's cache always holds what it last read or wrote, in order. One
	// lock for all locations: edge mode is for seeing behaviour, not for speed.
	mu     sync.Mutex
	caches map[string]map[string]cached // colo -> key -> copy
}

// cached is one location's copy of a key.
type cached struct {
	entry *emulator.Entry // nil: the key was absent
	at    time.Time       // when the location read or wrote it
}

// New wraps base (the emulator's namespace).
func New(base answers.KV, o Options) *KV {
	if o.Delay <= 0 {
		o.Delay = DefaultDelay
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &KV{base: base, delay: o.Delay, now: o.Now, caches: map[string]map[string]cached{}}
}

// Delay is the propagation window.
func (e *KV) Delay() time.Duration { return e.delay }

// At is the view from location colo.
func (e *KV) At(colo string) answers.KV { return view{e, colo} }

// GetWithMetadata reads key at the default location.
func (e *KV) GetWithMetadata(key string) (*emulator.Entry, error) {
	return view{e, answers.DefaultColo}.GetWithMetadata(key)
}

// Update is a read-modify-write of key at the default location.
func (e *KV) Update(key string, fn emulator.UpdateFunc) (emulator.PutResult, error) {
	return view{e, answers.DefaultColo}.Update(key, fn)
}

// Reset drops every location's cache (after a snapshot restore: the stack is
// back to a cold start).
func (e *KV) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.caches)
}

// view is one location.
type view struct {
	e    *KV
	colo string
}

// GetWithMetadata returns the location's copy while its window lasts, else the
// store's value (which the location then keeps). The entry is shared: callers
// must not modify it.
func (v view) GetWithMetadata(key string) (*emulator.Entry, error) {
	v.e.mu.Lock()
	defer v.e.mu.Unlock()
	ent, err := v.readLocked(key)
	if err == nil && ent == nil {
		err = emulator.ErrNotFound
	}
	return ent, err
}

// readLocked is a read through the location's cache; nil = absent.
func (v view) readLocked(key string) (*emulator.Entry, error) {
	now := v.e.now()
	c, ok := v.e.caches[v.colo][key]
	if ok && now.Before(c.at.Add(v.e.delay)) && (c.entry == nil || c.entry.Expiration == 0 || c.entry.Expiration > now.Unix()) {
		return c.entry, nil
	}
	ent, err := v.e.base.GetWithMetadata(key)
	if errors.Is(err, emulator.ErrNotFound) {
		ent, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	v.e.keep(v.colo, key, cached{entry: ent, at: now})
	return ent, nil
}

func (e *KV) keep(colo, key string, c cached) {
	m := e.caches[colo]
	if m == nil {
		m = map[string]cached{}
		e.caches[colo] = m
	}
	m[key] = c
}

// Update reads key through the location's cache, gives fn that (possibly stale)
// entry, and writes fn's result to the store whatever the store holds now: the
// Worker's get-then-put, which KV offers no way to make conditional. The
// location's cache then holds the written value; other locations keep theirs.
func (v view) Update(key string, fn emulator.UpdateFunc) (emulator.PutResult, error) {
	v.e.mu.Lock()
	defer v.e.mu.Unlock()
	cur, err := v.readLocked(key)
	if err != nil {
		return emulator.PutResult{}, err
	}
	value, o, err := fn(cur)
	if err != nil {
		return emulator.PutResult{}, err
	}
	blind := func(*emulator.Entry) ([]byte, emulator.PutOptions, error) { return value, o, nil }
	res, err := v.e.base.Update(key, blind)
	if err != nil {
		return res, err
	}
	now := v.e.now()
	exp := o.Expiration
	if o.ExpirationTTL != 0 {
		exp = now.Unix() + o.ExpirationTTL
	}
	v.e.keep(v.colo, key, cached{at: now, entry: &emulator.Entry{Key: key, Value: value, Expiration: exp, Metadata: o.Metadata, Version: res.Version}})
	return res, nil
}

// Stale is a location's copy that differs from the store.
type Stale struct {
	Colo           string    `json:"colo"`
	Key            string    `json:"key"`
	CachedVersion  string    `json:"cached_version"`  // "" = the location thinks the key is absent
	CurrentVersion string    `json:"current_version"` // "" = the key is absent
	FreshAt        time.Time `json:"fresh_at"`        // when the location reads the store again
	FreshIn        string    `json:"fresh_in"`
}

// Stale lists, by location and key, every copy still inside its window that is
// not what the store holds.
func (e *KV) Stale() ([]Stale, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.staleLocked()
}

func (e *KV) staleLocked() ([]Stale, error) {
	now := e.now()
	current := map[string]string{}
	out := []Stale{}
	for colo, m := range e.caches {
		for key, c := range m {
			end := c.at.Add(e.delay)
			if !now.Before(end) {
				continue
			}
			cur, ok := current[key]
			if !ok {
				ent, err := e.base.GetWithMetadata(key)
				switch {
				case errors.Is(err, emulator.ErrNotFound):
				case err != nil:
					return nil, err
				default:
					cur = ent.Version
				}
				current[key] = cur
			}
			had := ""
			if c.entry != nil {
				had = c.entry.Version
			}
			if had != cur {
				out = append(out, Stale{Colo: colo, Key: key, CachedVersion: had, CurrentVersion: cur,
					FreshAt: end.UTC(), FreshIn: end.Sub(now).Round(time.Millisecond).String()})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Colo != out[j].Colo {
			return out[i].Colo < out[j].Colo
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// Propagate ends every window at once: every location reads the store at its
// next read. It returns what was stale until then.
func (e *KV) Propagate() ([]Stale, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	stale, err := e.staleLocked()
	clear(e.caches)
	return stale, err
}

// Locations lists the locations that have read or written something.
func (e *KV) Locations() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.caches))
	for c := range e.caches {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

var _ answers.Locations = (*KV)(nil)
