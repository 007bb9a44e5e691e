// Package kvbulk is wrangler's bulk JSON format for KV: parsing and checking a
// `kv bulk put` file (an array of {key, value, base64?, expiration?,
// expiration_ttl?, metadata?}) and a `kv bulk delete` file, loading one into a
// namespace all or nothing, and exporting a namespace in the same format, which
// `kv bulk put`, `seed --from` and `up --fixtures` read back.
package kvbulk

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// Item is one validated entry of wrangler's bulk put format.
type Item struct {
	Index int // position in the file, for messages
	Key   string
	Value []byte
	Opts  emulator.PutOptions
}

// Problem is why the item at index cannot be written.
type Problem struct {
	Index  int
	Reason string
}

// FileError lists every bad item of a bulk file, in file order.
type FileError struct {
	File     string
	Problems []Problem
	Hint     string // the expected item shape, when a problem is about types
}

func (e *FileError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = fmt.Sprintf("item %d: %s", p.Index, p.Reason)
	}
	msg := fmt.Sprintf("%s: %d bad item(s); nothing was written:\n%s", e.File, len(e.Problems), strings.Join(lines, "\n"))
	if e.Hint != "" {
		msg += "\n" + e.Hint
	}
	return msg
}

const putShape = `each item must be {"key": string, "value": string, "base64"?: boolean, "expiration"?: number, "expiration_ttl"?: number, "metadata"?: object}`

var putProps = map[string]bool{"key": true, "value": true, "base64": true, "expiration": true, "expiration_ttl": true, "metadata": true}

// ParsePut reads wrangler's bulk put JSON: an array of {key, value, base64?,
// expiration?, expiration_ttl?, metadata?}. It returns the good items and, when any
// item is bad, a *FileError naming every bad one; unknown properties are
// warnings, as in wrangler. A file that is not a JSON array is a plain error.
func ParsePut(file string, data []byte) ([]Item, []string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: expected a JSON array of key-value objects: %v", file, err)
	}
	var items []Item
	var warnings []string
	bad := &FileError{File: file, Hint: putShape}
	for i, r := range raw {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
			bad.Problems = append(bad.Problems, Problem{i, fmt.Sprintf("is %s, not an object", compactJSON(r))})
			continue
		}
		it, reason := entry(obj)
		if reason != "" {
			bad.Problems = append(bad.Problems, Problem{i, reason})
			continue
		}
		it.Index = i
		var extra []string
		for k := range obj {
			if !putProps[k] {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			warnings = append(warnings, fmt.Sprintf("item %d has unexpected properties %q (ignored)", i, extra))
		}
		items = append(items, it)
	}
	if len(bad.Problems) > 0 {
		return items, warnings, bad
	}
	return items, warnings, nil
}

// PutChecker is the part of *emulator.Namespace that checks a put without writing.
type PutChecker interface {
	CheckPut(key string, value []byte, o emulator.PutOptions) error
}

// CheckLimits adds to bad every item the namespace would refuse (KV limits,
// expirations), keeping bad's problems in file order.
func CheckLimits(ns PutChecker, items []Item, bad *FileError) {
	for _, it := range items {
		if err := ns.CheckPut(it.Key, it.Value, it.Opts); err != nil {
			bad.Problems = append(bad.Problems, Problem{it.Index, fmt.Sprintf("key %q: %v", it.Key, err)})
		}
	}
	sort.SliceStable(bad.Problems, func(i, j int) bool { return bad.Problems[i].Index < bad.Problems[j].Index })
}

func entry(obj map[string]json.RawMessage) (Item, string) {
	var it Item
	var value string
	var b64 bool
	if err := json.Unmarshal(obj["key"], &it.Key); err != nil || obj["key"] == nil {
		return it, `"key" must be a string`
	}
	if err := json.Unmarshal(obj["value"], &value); err != nil || obj["value"] == nil {
		return it, fmt.Sprintf("key %q: \"value\" must be a string", it.Key)
	}
	if r, ok := obj["base64"]; ok && json.Unmarshal(r, &b64) != nil {
		return it, fmt.Sprintf("key %q: \"base64\" must be true or false", it.Key)
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"expiration", &it.Opts.Expiration}, {"expiration_ttl", &it.Opts.ExpirationTTL}} {
		if r, ok := obj[f.name]; ok && string(r) != "null" {
			n, reason := wholeSeconds(r)
			if reason != "" {
				return it, fmt.Sprintf("key %q: %q %s", it.Key, f.name, reason)
			}
			*f.dst = n
		}
	}
	if r, ok := obj["metadata"]; ok && string(r) != "null" {
		it.Opts.Metadata = r
	}
	it.Value = []byte(value)
	if b64 {
		dec, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			if dec, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(value, "=")); err != nil {
				return it, fmt.Sprintf("key %q: \"value\" is not valid base64", it.Key)
			}
		}
		it.Value = dec
	}
	return it, ""
}

// wholeSeconds reads a JSON number of seconds as wrangler does: any JSON number
// that is a whole, non-negative value (3600, 3.6e3, 3600.0), within int64. The
// reason says what is wrong otherwise.
func wholeSeconds(r json.RawMessage) (int64, string) {
	var num json.Number
	if len(r) > 0 && r[0] == '"' || json.Unmarshal(r, &num) != nil { // a quoted number is still a string to wrangler
		return 0, fmt.Sprintf("must be a number of seconds, not %s", compactJSON(r))
	}
	if n, err := num.Int64(); err == nil {
		if n < 0 {
			return 0, fmt.Sprintf("must not be negative, got %s", num)
		}
		return n, ""
	}
	f, _, err := big.ParseFloat(num.String(), 10, 256, big.ToNearestEven)
	if err != nil {
		return 0, fmt.Sprintf("must be a number of seconds, not %s", num)
	}
	switch n, acc := f.Int64(); {
	case f.Sign() < 0:
		return 0, fmt.Sprintf("must not be negative, got %s", num)
	case !f.IsInt():
		return 0, fmt.Sprintf("must be a whole number of seconds, got %s", num)
	case acc != big.Exact:
		return 0, fmt.Sprintf("is out of range, got %s", num)
	default:
		return n, ""
	}
}

func compactJSON(r json.RawMessage) string {
	s := strings.Join(strings.Fields(string(r)), " ")
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// ParseDelete reads a bulk delete file: a JSON array of keys, or of
// {"name": key} objects (what `key list` prints). Every bad item is named.
func ParseDelete(file string, data []byte) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: expected a JSON array of keys: %v", file, err)
	}
	var keys []string
	bad := &FileError{File: file}
	for i, r := range raw {
		var k string
		var obj struct {
			Name *string `json:"name"`
		}
		switch {
		case json.Unmarshal(r, &k) == nil && r[0] == '"':
			keys = append(keys, k)
		case json.Unmarshal(r, &obj) == nil && r[0] == '{' && obj.Name != nil:
			keys = append(keys, *obj.Name)
		default:
			bad.Problems = append(bad.Problems, Problem{i, fmt.Sprintf("is %s, not a key string or {\"name\": key}", compactJSON(r))})
		}
	}
	if len(bad.Problems) > 0 {
		return nil, bad
	}
	return keys, nil
}
