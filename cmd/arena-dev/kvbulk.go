package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/urfave/cli/v2"
)

// bulkItem is one validated entry of wrangler's bulk put format.
type bulkItem struct {
	index int // position in the file, for messages
	key   string
	value []byte
	opts  emulator.PutOptions
}

// bulkProblem is why the item at index cannot be written.
type bulkProblem struct {
	index  int
	reason string
}

// bulkFileError lists every bad item of a bulk file, in file order.
type bulkFileError struct {
	file     string
	problems []bulkProblem
	hint     string // the expected item shape, when a problem is about types
}

func (e *bulkFileError) Error() string {
	lines := make([]string, len(e.problems))
	for i, p := range e.problems {
		lines[i] = fmt.Sprintf("item %d: %s", p.index, p.reason)
	}
	msg := fmt.Sprintf("%s: %d bad item(s); nothing was written:\n%s", e.file, len(e.problems), strings.Join(lines, "\n"))
	if e.hint != "" {
		msg += "\n" + e.hint
	}
	return msg
}

const bulkPutShape = `each item must be {"key": string, "value": string, "base64"?: boolean, "expiration"?: number, "expiration_ttl"?: number, "metadata"?: object}`

var bulkProps = map[string]bool{"key": true, "value": true, "base64": true, "expiration": true, "expiration_ttl": true, "metadata": true}

// parseBulkPut reads wrangler's bulk put JSON: an array of {key, value, base64?,
// expiration?, expiration_ttl?, metadata?}. It returns the good items and, when any
// item is bad, a *bulkFileError naming every bad one; unknown properties are
// warnings, as in wrangler. A file that is not a JSON array is a plain error.
func parseBulkPut(file string, data []byte) ([]bulkItem, []string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: expected a JSON array of key-value objects: %v", file, err)
	}
	var items []bulkItem
	var warnings []string
	bad := &bulkFileError{file: file, hint: bulkPutShape}
	for i, r := range raw {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
			bad.problems = append(bad.problems, bulkProblem{i, fmt.Sprintf("is %s, not an object", compactJSON(r))})
			continue
		}
		it, reason := bulkEntry(obj)
		if reason != "" {
			bad.problems = append(bad.problems, bulkProblem{i, reason})
			continue
		}
		it.index = i
		var extra []string
		for k := range obj {
			if !bulkProps[k] {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			warnings = append(warnings, fmt.Sprintf("item %d has unexpected properties %q (ignored)", i, extra))
		}
		items = append(items, it)
	}
	if len(bad.problems) > 0 {
		return items, warnings, bad
	}
	return items, warnings, nil
}

// putChecker is the part of *emulator.Namespace that checks a put without writing.
type putChecker interface {
	CheckPut(key string, value []byte, o emulator.PutOptions) error
}

// checkBulkLimits adds to bad every item the namespace would refuse (KV limits,
// expirations), keeping bad's problems in file order.
func checkBulkLimits(ns putChecker, items []bulkItem, bad *bulkFileError) {
	for _, it := range items {
		if err := ns.CheckPut(it.key, it.value, it.opts); err != nil {
			bad.problems = append(bad.problems, bulkProblem{it.index, fmt.Sprintf("key %q: %v", it.key, err)})
		}
	}
	sort.SliceStable(bad.problems, func(i, j int) bool { return bad.problems[i].index < bad.problems[j].index })
}

func bulkEntry(obj map[string]json.RawMessage) (bulkItem, string) {
	var it bulkItem
	var value string
	var b64 bool
	if err := json.Unmarshal(obj["key"], &it.key); err != nil || obj["key"] == nil {
		return it, `"key" must be a string`
	}
	if err := json.Unmarshal(obj["value"], &value); err != nil || obj["value"] == nil {
		return it, fmt.Sprintf("key %q: \"value\" must be a string", it.key)
	}
	if r, ok := obj["base64"]; ok && json.Unmarshal(r, &b64) != nil {
		return it, fmt.Sprintf("key %q: \"base64\" must be true or false", it.key)
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"expiration", &it.opts.Expiration}, {"expiration_ttl", &it.opts.ExpirationTTL}} {
		if r, ok := obj[f.name]; ok && string(r) != "null" {
			n, reason := wholeSeconds(r)
			if reason != "" {
				return it, fmt.Sprintf("key %q: %q %s", it.key, f.name, reason)
			}
			*f.dst = n
		}
	}
	if r, ok := obj["metadata"]; ok && string(r) != "null" {
		it.opts.Metadata = r
	}
	it.value = []byte(value)
	if b64 {
		dec, err := base64.StdEncoding.DecodeString(value)
		if err != nil {
			if dec, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(value, "=")); err != nil {
				return it, fmt.Sprintf("key %q: \"value\" is not valid base64", it.key)
			}
		}
		it.value = dec
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

func kvBulkPut(c *cli.Context) error {
	a, err := args(c, 1, 1, "bulk put FILE")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(a[0])
	if err != nil {
		return err
	}
	items, warnings, err := parseBulkPut(a[0], data)
	for _, w := range warnings {
		logOf(c).Warn().Msg(w)
	}
	bad, isItems := err.(*bulkFileError)
	if err != nil && !isItems {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		// Check every item first (types above, KV limits here) so that one bad
		// item leaves the namespace untouched and the message lists all of them.
		if bad == nil {
			bad = &bulkFileError{file: a[0]}
		}
		checkBulkLimits(ns, items, bad)
		if len(bad.problems) > 0 {
			return bad
		}
		for i, it := range items {
			if _, err := ns.Put(it.key, it.value, it.opts); err != nil {
				return fmt.Errorf("%s: item %d (key %q): %w; items before it were written", a[0], i, it.key, err)
			}
		}
		fmt.Fprintf(c.App.Writer, "Success! Wrote %d keys to namespace %s.\n", len(items), ns.ID())
		return nil
	})
}

// parseBulkDelete reads a bulk delete file: a JSON array of keys, or of
// {"name": key} objects (what `key list` prints). Every bad item is named.
func parseBulkDelete(file string, data []byte) ([]string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: expected a JSON array of keys: %v", file, err)
	}
	var keys []string
	bad := &bulkFileError{file: file}
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
			bad.problems = append(bad.problems, bulkProblem{i, fmt.Sprintf("is %s, not a key string or {\"name\": key}", compactJSON(r))})
		}
	}
	if len(bad.problems) > 0 {
		return nil, bad
	}
	return keys, nil
}

func kvBulkDelete(c *cli.Context) error {
	a, err := args(c, 1, 1, "bulk delete FILE")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(a[0])
	if err != nil {
		return err
	}
	keys, err := parseBulkDelete(a[0], data)
	if err != nil {
		return err
	}
	return withNamespace(c, func(ns *kvlimits.Namespace) error {
		for _, k := range keys {
			if err := ns.Delete(k); err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
		}
		fmt.Fprintf(c.App.Writer, "Success! Deleted %d keys from namespace %s.\n", len(keys), ns.ID())
		return nil
	})
}
