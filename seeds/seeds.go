// Package seeds holds the embedded reference dataset of wine answers (colors,
// wine-producing countries, grape varieties, vintages and well-known wines) and
// writes it into a namespace: automatically into an empty one at start, or on
// demand with `arena-dev seed`, keeping custom answers unless told to reset.
package seeds

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/sommelier-arena/arena-dev/answers"
)

//go:embed answers.json
var defaultJSON []byte

// Set is a dataset: for each category, its answers in display order.
type Set map[answers.Category][]Seed

// Seed is one answer of a dataset, validated, with its id.
type Seed struct {
	ID    string
	Label string
}

// Default is the embedded dataset. It is checked by the tests, so it cannot fail.
func Default() Set {
	s, err := Parse(defaultJSON, "embedded seeds/answers.json", time.Now())
	if err != nil {
		panic(err)
	}
	return s
}

// Load reads a dataset file (same format as seeds/answers.json).
func Load(path string, now time.Time) (Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading seed file: %w", err)
	}
	return Parse(data, path, now)
}

// Parse reads a dataset: a JSON object from category name to an array of labels
// (strings, or objects with a "label"). Every label is validated as the API would;
// an unknown category, an invalid label or a duplicate id is an error naming the
// source, the category and the position.
func Parse(data []byte, source string, now time.Time) (Set, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object of categories: %v", source, err)
	}
	set := Set{}
	for name, items := range raw {
		cat, ok := answers.ParseCategory(name)
		if !ok {
			return nil, fmt.Errorf("%s: unknown category %q (want color, country, grape, vintage or wine)", source, name)
		}
		reqs, apiErr := answers.DecodeListRequest(items)
		if apiErr != nil {
			return nil, fmt.Errorf("%s: category %s: %s", source, name, apiErr.Message)
		}
		seen := map[string]int{}
		for i, req := range reqs {
			label, id, apiErr := answers.ValidateLabel(cat, req.Label, now)
			if apiErr != nil {
				return nil, fmt.Errorf("%s: %s answer %d (%q): %s", source, name, i, req.Label, apiErr.Message)
			}
			if j, dup := seen[id]; dup {
				return nil, fmt.Errorf("%s: %s answers %d and %d both have the id %q", source, name, j, i, id)
			}
			seen[id] = i
			set[cat] = append(set[cat], Seed{ID: id, Label: label})
		}
	}
	return set, nil
}

// Result says what seeding did to one category.
type Result struct {
	Category answers.Category `json:"category"`
	Added    int              `json:"added"`   // seed answers written
	Kept     int              `json:"kept"`    // answers already there, left as they were
	Removed  int              `json:"removed"` // answers dropped by a reset
	Written  bool             `json:"written"` // whether the KV key was written at all
}

// Options control Apply.
type Options struct {
	Reset bool                        // replace each seeded category with exactly the set (drops custom answers)
	Only  func(answers.Snapshot) bool // when set, only categories for which it is true are touched
	Now   func() time.Time            // createdAt of new answers; nil = time.Now
}

// Apply writes the set into the store, one read-modify-write per category. Without
// Reset it is idempotent: answers whose id is already stored (seed or custom) are
// kept as they are, missing seed answers are appended, and a category that needs
// nothing is not written at all. A category whose stored value is corrupt is an
// error and is left untouched.
func Apply(st *answers.Store, set Set, o Options) ([]Result, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var results []Result
	for _, cat := range answers.Categories {
		seeds, ok := set[cat]
		if !ok {
			continue
		}
		var res Result
		_, err := st.Update(cat, func(cur answers.Snapshot) ([]answers.Entry, error) {
			res = Result{Category: cat}
			if o.Only != nil && !o.Only(cur) {
				res.Kept = len(cur.List)
				return nil, answers.ErrNoChange
			}
			next, changed := merge(cur.List, seeds, o.Reset, o.Now().UTC().Format(time.RFC3339), &res)
			if !changed && cur.Exists {
				return nil, answers.ErrNoChange
			}
			res.Written = true
			return next, nil
		})
		if err != nil {
			return results, fmt.Errorf("seeding %s: %w", cat, err)
		}
		results = append(results, res)
	}
	return results, nil
}

// merge computes a category's new list. Without reset: the current list plus the
// seeds it lacks. With reset: exactly the seeds (as reference answers, custom
// false), keeping the createdAt of ids that were there. changed is false when the
// result holds the same answers as cur.
func merge(cur []answers.Entry, seeds []Seed, reset bool, created string, res *Result) (next []answers.Entry, changed bool) {
	byID := make(map[string]answers.Entry, len(cur))
	for _, e := range cur {
		byID[e.ID] = e
	}
	if !reset {
		next = append([]answers.Entry(nil), cur...)
		res.Kept = len(cur)
		for _, s := range seeds {
			if _, ok := byID[s.ID]; !ok {
				byID[s.ID] = answers.Entry{}
				next = append(next, answers.Entry{ID: s.ID, Label: s.Label, CreatedAt: created})
				res.Added++
			}
		}
		return next, res.Added > 0
	}
	next = make([]answers.Entry, 0, len(seeds))
	inSeeds := make(map[string]bool, len(seeds))
	for _, s := range seeds {
		inSeeds[s.ID] = true
		e := answers.Entry{ID: s.ID, Label: s.Label, CreatedAt: created}
		if old, ok := byID[s.ID]; ok {
			e.CreatedAt = old.CreatedAt
			res.Kept++
		} else {
			res.Added++
		}
		next = append(next, e)
	}
	for _, e := range cur {
		if !inSeeds[e.ID] {
			res.Removed++
		}
	}
	changed = len(next) != len(cur)
	for i := 0; !changed && i < len(next); i++ {
		changed = next[i] != cur[i]
	}
	return next, changed
}

// SeedEmpty seeds every category whose KV key does not exist yet, with the embedded
// dataset. A category that exists, even as an empty list, is left alone: it is the
// user's data. Servers call it at start.
func SeedEmpty(st *answers.Store) ([]Result, error) {
	return Apply(st, Default(), Options{Only: func(s answers.Snapshot) bool { return !s.Exists }})
}
