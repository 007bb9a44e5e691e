package answers

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzDecodeList: a stored value either decodes to entries that all have an id and
// a label and re-encode to JSON encoding/json reads back the same, or is an error
// naming the key (never a panic, never a nil list without an error).
func FuzzDecodeList(f *testing.F) {
	for _, s := range []string{`[]`, `[{"id":"red","label":"Red","custom":false,"createdAt":"x"}]`, `null`, `{}`, `[{"id":""}]`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		list, err := DecodeList("answers:color", value)
		if err != nil {
			if !strings.Contains(err.Error(), "answers:color") {
				t.Fatalf("error does not name the key: %v", err)
			}
			return
		}
		if list == nil {
			t.Fatal("nil list without an error")
		}
		var back []Entry
		if err := json.Unmarshal(EncodeList(list), &back); err != nil || len(back) != len(list) {
			t.Fatalf("re-encoding %d entries: %d back, %v", len(list), len(back), err)
		}
		for i, e := range list {
			if e.ID == "" || e.Label == "" || back[i] != e {
				t.Fatalf("entry %d %+v (back: %+v)", i, e, back[i])
			}
		}
	})
}

// FuzzSplitPath: never panics; segments are the path's, unescaped when they can be.
func FuzzSplitPath(f *testing.F) {
	for _, s := range []string{"/answers/color/red", "/answers/wine/ch%C3%A2teau", "/a%2Fb", "/", "/%zz/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		parts := splitPath(escaped)
		raw := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
		if len(parts) != len(raw) {
			t.Fatalf("%q: %d segments, want %d", escaped, len(parts), len(raw))
		}
		for i, p := range raw {
			if u, err := url.PathUnescape(p); (err == nil && parts[i] != u) || (err != nil && parts[i] != p) {
				t.Fatalf("%q segment %d: %q", escaped, i, parts[i])
			}
		}
	})
}

// FuzzETagList: never panics; "*" and the exact tag always match, and a weak
// match never counts where only strong ones may.
func FuzzETagList(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc", "x"`, `*`, ``, `,,`} {
		f.Add(s)
	}
	const tag = `"abc"`
	f.Fuzz(func(t *testing.T, header string) {
		strong, weak := etagListMatches(header, tag, false), etagListMatches(header, tag, true)
		if strong && !weak {
			t.Fatalf("%q matches strongly but not weakly", header)
		}
		if !etagListMatches(header+", "+tag, tag, false) || !etagListMatches(header+",*", tag, false) {
			t.Fatalf("%q plus the tag or * does not match", header)
		}
	})
}
