package kvbulk

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/emulator"
)

func TestWholeSeconds(t *testing.T) {
	tests := []struct {
		in     string
		want   int64
		reason string // a word of the reason; "" = accepted
	}{
		{`3600`, 3600, ""},
		{`1e3`, 1000, ""},
		{`1E3`, 1000, ""},
		{`3.6e3`, 3600, ""},
		{`3600.0`, 3600, ""},
		{`0`, 0, ""},
		{`9223372036854775807`, 9223372036854775807, ""},
		{`1.5`, 0, "whole"},
		{`1e-3`, 0, "whole"},
		{`-60`, 0, "negative"},
		{`-6e1`, 0, "negative"},
		{`1e19`, 0, "range"},
		{`"3600"`, 0, "number"},
		{`true`, 0, "number"},
		{`{}`, 0, "number"},
	}
	for _, tc := range tests {
		got, reason := wholeSeconds(json.RawMessage(tc.in))
		if got != tc.want || (tc.reason == "") != (reason == "") || !strings.Contains(reason, tc.reason) {
			t.Errorf("wholeSeconds(%s) = %d, %q; want %d and a reason holding %q", tc.in, got, reason, tc.want, tc.reason)
		}
	}
}

// Every bad item is reported with its index and reason, in file order, and the
// good ones are still parsed (their limits are checked next).
func TestParseBulkPutReportsEveryBadItem(t *testing.T) {
	tests := []struct {
		name, file string
		good       int
		bad        map[int]string // index -> a word of the reason
	}{
		{"all good, wrangler numbers", `[{"key":"a","value":"x","expiration_ttl":1e3},{"key":"b","value":"eA==","base64":true,"expiration":2e9}]`, 2, nil},
		{"several bad", `[{"key":"a","value":"x"}, 5, {"key":"b","value":1}, {"key":"c","value":"x","expiration_ttl":1.5}, {"value":"x"}, {"key":"d","value":"x","base64":"yes"}, {"key":"e","value":"%%","base64":true}, {"key":"f","value":"x","expiration":-1}]`,
			1, map[int]string{1: "not an object", 2: `"value" must be a string`, 3: "whole number", 4: `"key" must be a string`, 5: `"base64"`, 6: "base64", 7: "negative"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, _, err := ParsePut("f.json", []byte(tc.file))
			if len(items) != tc.good {
				t.Errorf("%d good items, want %d", len(items), tc.good)
			}
			var bad *FileError
			if (len(tc.bad) > 0) != errors.As(err, &bad) {
				t.Fatalf("err %v; want %d bad items", err, len(tc.bad))
			}
			if bad == nil {
				return
			}
			if len(bad.Problems) != len(tc.bad) {
				t.Errorf("%d problems, want %d: %v", len(bad.Problems), len(tc.bad), err)
			}
			for i, p := range bad.Problems {
				if !strings.Contains(p.Reason, tc.bad[p.Index]) || (i > 0 && bad.Problems[i-1].Index >= p.Index) {
					t.Errorf("problem %+v: want item %d to say %q, in file order", p, p.Index, tc.bad[p.Index])
				}
			}
			if msg := err.Error(); !strings.Contains(msg, "nothing was written") || strings.Count(msg, "\nitem ") != len(tc.bad) {
				t.Errorf("message does not list every bad item: %s", msg)
			}
		})
	}
	if _, _, err := ParsePut("f.json", []byte(`{"key":"a"}`)); err == nil || errors.As(err, new(*FileError)) {
		t.Errorf("a file that is not an array: %v; want a plain error", err)
	}
}

// Limit problems found by the namespace join the type problems, in file order.
func TestCheckBulkLimitsReportsEveryItem(t *testing.T) {
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.Namespace("ns")
	if err != nil {
		t.Fatal(err)
	}
	file := `[{"key":"","value":"x"}, {"key":"ok","value":"x"}, 7, {"key":"short","value":"x","expiration_ttl":10}, {"key":"` + strings.Repeat("k", 513) + `","value":"x"}]`
	items, _, err := ParsePut("f.json", []byte(file))
	var bad *FileError
	if !errors.As(err, &bad) {
		t.Fatalf("want item 2 reported, got %v", err)
	}
	CheckLimits(ns, items, bad)
	var got []int
	for _, p := range bad.Problems {
		got = append(got, p.Index)
	}
	if want := []int{0, 2, 3, 4}; !equalInts(got, want) {
		t.Errorf("bad items %v, want %v: %v", got, want, bad)
	}
	if v, err := ns.Get("ok"); err == nil {
		t.Errorf("checking wrote the good item: %q", v)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseBulkDelete(t *testing.T) {
	keys, err := ParseDelete("f.json", []byte(`["a", {"name": "b"}, "c"]`))
	if err != nil || strings.Join(keys, ",") != "a,b,c" {
		t.Errorf("got %q, %v", keys, err)
	}
	_, err = ParseDelete("f.json", []byte(`["a", 1, null, {"id": "x"}, "b"]`))
	var bad *FileError
	if !errors.As(err, &bad) || len(bad.Problems) != 3 || bad.Problems[0].Index != 1 || bad.Problems[2].Index != 3 {
		t.Errorf("want items 1, 2 and 3 reported: %v", err)
	}
}

// FuzzParseBulkPut: never panics; every array item is either a good item or a
// reported problem (exactly once, in order), and good items carry what the JSON says.
func FuzzParseBulkPut(f *testing.F) {
	for _, s := range []string{`[{"key":"a","value":"x"}]`, `[{"key":"a","value":"eA==","base64":true,"expiration_ttl":1e3,"metadata":{}}]`,
		`[1,{"key":1}]`, `{}`, `[{"key":"a","value":"x","expiration":-1.5e400}]`, `[null]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		items, _, err := ParsePut("f.json", data)
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) != nil {
			if err == nil || errors.As(err, new(*FileError)) || len(items) > 0 {
				t.Fatalf("a non-array file gave %d items, %v", len(items), err)
			}
			return
		}
		seen := map[int]bool{}
		for _, it := range items {
			var obj struct{ Key string }
			if seen[it.Index] || json.Unmarshal(arr[it.Index], &obj) != nil || obj.Key != it.Key || it.Opts.Expiration < 0 || it.Opts.ExpirationTTL < 0 {
				t.Fatalf("item %d %+v does not match %s", it.Index, it, arr[it.Index])
			}
			seen[it.Index] = true
		}
		var bad *FileError
		if errors.As(err, &bad) {
			for _, p := range bad.Problems {
				if seen[p.Index] || p.Reason == "" {
					t.Fatalf("item %d both good and bad, or no reason: %+v", p.Index, p)
				}
				seen[p.Index] = true
			}
		} else if err != nil {
			t.Fatalf("an array gave a plain error: %v", err)
		}
		if len(seen) != len(arr) {
			t.Fatalf("%d of %d items accounted for", len(seen), len(arr))
		}
	})
}

// FuzzParseBulkDelete: never panics; an accepted file has one key per item.
func FuzzParseBulkDelete(f *testing.F) {
	for _, s := range []string{`["a",{"name":"b"}]`, `[1]`, `[null]`, `{}`, `[{"name":null}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseDelete("f.json", data)
		if err != nil {
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(data, &arr) != nil || len(arr) != len(keys) {
			t.Fatalf("accepted %q as %d keys", data, len(keys))
		}
	})
}
