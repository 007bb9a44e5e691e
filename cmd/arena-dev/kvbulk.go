package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/urfave/cli/v2"
)

// bulkItem is one validated entry of wrangler's bulk put format.
type bulkItem struct {
	key   string
	value []byte
	opts  emulator.PutOptions
}

var bulkProps = map[string]bool{"key": true, "value": true, "base64": true, "expiration": true, "expiration_ttl": true, "metadata": true}

// parseBulkPut reads wrangler's bulk put JSON: an array of {key, value, base64?,
// expiration?, expiration_ttl?, metadata?}. Every bad item is reported by index;
// unknown properties are warnings, as in wrangler.
func parseBulkPut(file string, data []byte) ([]bulkItem, []string, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, nil, fmt.Errorf("%s: expected a JSON array of key-value objects: %v", file, err)
	}
	var items []bulkItem
	var problems, warnings []string
	for i, r := range raw {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(r, &obj); err != nil || obj == nil {
			problems = append(problems, fmt.Sprintf("item %d is %s, not an object", i, compactJSON(r)))
			continue
		}
		it, err := bulkEntry(obj)
		if err != "" {
			problems = append(problems, fmt.Sprintf("item %d: %s", i, err))
			continue
		}
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
	if len(problems) > 0 {
		return nil, warnings, fmt.Errorf("%s: %s\neach item must be {\"key\": string, \"value\": string, \"base64\"?: boolean, \"expiration\"?: number, \"expiration_ttl\"?: number, \"metadata\"?: object}", file, strings.Join(problems, "\n"))
	}
	return items, warnings, nil
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
	for name, dst := range map[string]*int64{"expiration": &it.opts.Expiration, "expiration_ttl": &it.opts.ExpirationTTL} {
		if r, ok := obj[name]; ok && json.Unmarshal(r, dst) != nil {
			return it, fmt.Sprintf("key %q: %q must be a whole number of seconds", it.key, name)
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
		return cli.Exit(err.Error(), 1)
	}
	items, warnings, err := parseBulkPut(a[0], data)
	for _, w := range warnings {
		logOf(c).Warn().Msg(w)
	}
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	store, ns, _, err := openNamespace(c, false)
	if err != nil {
		return err
	}
	defer store.Close()
	// Check every item first so a bad one leaves the namespace untouched.
	for i, it := range items {
		if err := ns.CheckPut(it.key, it.value, it.opts); err != nil {
			return cli.Exit(fmt.Sprintf("%s: item %d (key %q): %v; nothing was written", a[0], i, it.key, err), 1)
		}
	}
	for i, it := range items {
		if _, err := ns.Put(it.key, it.value, it.opts); err != nil {
			return cli.Exit(fmt.Sprintf("%s: item %d (key %q): %v; items before it were written", a[0], i, it.key, err), 1)
		}
	}
	fmt.Fprintf(c.App.Writer, "Success! Wrote %d keys to namespace %s.\n", len(items), ns.ID())
	return nil
}

func kvBulkDelete(c *cli.Context) error {
	a, err := args(c, 1, 1, "bulk delete FILE")
	if err != nil {
		return err
	}
	data, err := os.ReadFile(a[0])
	if err != nil {
		return cli.Exit(err.Error(), 1)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return cli.Exit(fmt.Sprintf("%s: expected a JSON array of keys: %v", a[0], err), 1)
	}
	var keys, problems []string
	for i, r := range raw {
		var k string
		var obj struct {
			Name *string `json:"name"`
		}
		switch {
		case json.Unmarshal(r, &k) == nil:
			keys = append(keys, k)
		case json.Unmarshal(r, &obj) == nil && obj.Name != nil:
			keys = append(keys, *obj.Name)
		default:
			problems = append(problems, fmt.Sprintf("item %d is %s, not a key string or {\"name\": key}", i, compactJSON(r)))
		}
	}
	if len(problems) > 0 {
		return cli.Exit(a[0]+": "+strings.Join(problems, "\n"), 1)
	}
	store, ns, _, err := openNamespace(c, false)
	if err != nil {
		return err
	}
	defer store.Close()
	for _, k := range keys {
		if err := ns.Delete(k); err != nil {
			return fmt.Errorf("key %q: %w", k, err)
		}
	}
	fmt.Fprintf(c.App.Writer, "Success! Deleted %d keys from namespace %s.\n", len(keys), ns.ID())
	return nil
}
