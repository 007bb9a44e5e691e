package answers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Category is one of the five answer collections; each lives under one KV key.
type Category string

// The five categories, in the order GET /answers lists them.
const (
	Color   Category = "color"
	Country Category = "country"
	Grape   Category = "grape"
	Vintage Category = "vintage"
	Wine    Category = "wine"
)

// Categories lists every category in display order.
var Categories = []Category{Color, Country, Grape, Vintage, Wine}

// KeyPrefix is the prefix of every category key: "answers:color" and so on.
const KeyPrefix = "answers:"

// Key is the KV key that holds the category's JSON array.
func (c Category) Key() string { return KeyPrefix + string(c) }

// ParseCategory returns the category named s, or false when there is none.
func ParseCategory(s string) (Category, bool) {
	for _, c := range Categories {
		if string(c) == s {
			return c, true
		}
	}
	return "", false
}

// Entry is one stored answer. The field order is the wire order, the same as the
// reference Worker's JSON.stringify output.
type Entry struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Custom    bool   `json:"custom"`
	CreatedAt string `json:"createdAt"`
}

// EncodeList is the canonical JSON of a category: a compact array, never null, with
// <, > and & left as they are (as JSON.stringify writes them).
func EncodeList(list []Entry) []byte {
	if list == nil {
		list = []Entry{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		// Entry holds only strings and a bool: encoding cannot fail.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// DecodeList parses a stored category value. Anything that is not an array of
// entries with an id and a label is an error naming the key, so a corrupt value is
// reported and never overwritten by accident.
func DecodeList(key string, value []byte) ([]Entry, error) {
	var list []Entry
	if err := json.Unmarshal(value, &list); err != nil {
		return nil, fmt.Errorf("KV key %q does not hold a JSON array of answers: %v", key, err)
	}
	if list == nil {
		return nil, fmt.Errorf("KV key %q holds null, not a JSON array of answers", key)
	}
	for i, e := range list {
		if e.ID == "" || e.Label == "" {
			return nil, fmt.Errorf("KV key %q: entry %d has no id or no label", key, i)
		}
	}
	return list, nil
}

// ETag is a strong entity tag for a response body: a content hash, so the same data
// gives the same tag whichever process wrote it (arena-dev or the Worker).
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// indexOf returns the position of the entry with id, or -1.
func indexOf(list []Entry, id string) int {
	for i, e := range list {
		if e.ID == id {
			return i
		}
	}
	return -1
}
