package emulator

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCursor: any cursor decodes without panicking to valid UTF-8 (it is
// compared with keys), decoding is stable through a re-encode, and every key's
// own cursor decodes back to it.
//
//	go test ./emulator -run '^$' -fuzz FuzzDecodeCursor -fuzztime 10s
func FuzzDecodeCursor(f *testing.F) {
	for _, seed := range []string{
		"", "YQ==", "YQ", "YWJj", "YWJjZA", "Y", "====", "=YQ==", "Y Q = =", "-_-_", "+/+/", "//79",
		"\xff\xfe", "0J7QsdC_", encodeCursor("ключ"), encodeCursor("🍷 wine"), encodeCursor("\uffff"),
		encodeCursor(strings.Repeat("k", 512)), "gA==", "7aCA", // a lone continuation byte; a UTF-16 surrogate
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, c string) {
		key := decodeCursor(c)
		if !utf8.ValidString(key) {
			t.Fatalf("decodeCursor(%q) = %q: not valid UTF-8", c, key)
		}
		if again := decodeCursor(encodeCursor(key)); again != key {
			t.Fatalf("decodeCursor(%q) = %q, but re-encoded it decodes to %q", c, key, again)
		}
		if utf8.ValidString(c) {
			if got := decodeCursor(encodeCursor(c)); got != c {
				t.Fatalf("key %q: its cursor %q decodes to %q", c, encodeCursor(c), got)
			}
		}
	})
}

// FuzzMetadata: metadata given to a put is stored compact, valid, within the
// limit and equal as JSON to what was given, or refused with the reason; and
// metadata found in a row (written by anyone) is served when valid JSON and
// fails only its own key's read otherwise.
//
//	go test ./emulator -run '^$' -fuzz FuzzMetadata -fuzztime 10s
func FuzzMetadata(f *testing.F) {
	for _, seed := range []string{
		`null`, `{}`, `[]`, `"s"`, `1`, `-0.5e+10`, `true`, `{"by":"me","n":[1,2.5,"x"],"nested":{"ok":true}}`,
		" { \"a\" : [ 1 , 2 ] } ", `{"a":"<&>"}`, `"\u00e9\ud83c\udf77"`, `{bad`, ``, `{"a":1}{}`, `"` + strings.Repeat("m", 1022) + `"`,
		`"` + strings.Repeat("m", 1023) + `"`, "\"\xff\"", `1e999`, `[[[[[[[[[[]]]]]]]]]]`,
	} {
		f.Add([]byte(seed))
	}
	n := &Namespace{dbPath: "fuzz.sqlite"}
	f.Fuzz(func(t *testing.T, m []byte) {
		out, err := compactMetadata(json.RawMessage(m))
		var le *LimitError
		switch {
		case err == nil:
			if !json.Valid(out) || len(out) > MaxMetadataBytes {
				t.Fatalf("compactMetadata(%q) = %q: invalid or over the limit", m, out)
			}
			if again, _ := compactMetadata(out); !bytes.Equal(again, out) {
				t.Fatalf("compacting %q again gives %q", out, again)
			}
			if !sameJSONValue(m, out) {
				t.Fatalf("compactMetadata(%q) = %q: a different JSON value", m, out)
			}
		case errors.As(err, &le):
			var b bytes.Buffer
			if json.Compact(&b, m) != nil || b.Len() <= MaxMetadataBytes || le.Status != 413 {
				t.Fatalf("compactMetadata(%q): limit error %v for %d compact bytes", m, err, b.Len())
			}
		default:
			if json.Valid(m) {
				t.Fatalf("compactMetadata(%q) refused valid JSON: %v", m, err)
			}
		}

		r := n.rowFromDB("k", strings.Repeat("0", blobIDLen), sql.NullInt64{}, sql.NullString{String: string(m), Valid: true})
		if bad := r.unreadable(); (bad == nil) != json.Valid(m) {
			t.Fatalf("row metadata %q: unreadable = %v, json.Valid = %v", m, bad, json.Valid(m))
		} else if bad != nil && !strings.Contains(bad.Error(), `"k"`) {
			t.Fatalf("row metadata error does not name the key: %v", bad)
		}
	})
}

// sameJSONValue compares two JSON texts as values, numbers by their text.
func sameJSONValue(a, b []byte) bool {
	dec := func(p []byte) (any, error) {
		d := json.NewDecoder(bytes.NewReader(p))
		d.UseNumber()
		var v any
		err := d.Decode(&v)
		return v, err
	}
	x, err1 := dec(a)
	y, err2 := dec(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(x, y)
}
