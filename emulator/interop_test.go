package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// kvCase is one key written by one side and read by the other.
type kvCase struct {
	key        string
	value      []byte
	binary     bool
	metadata   json.RawMessage
	expiration int64
	ttl        int64
}

const pagedKeys = 1203 // more than one 1000-key page

func interopCases() []kvCase {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	now := time.Now().Unix()
	cases := []kvCase{
		{key: "answers:color", value: []byte(`[{"slug":"red","label":"Red"}]`)},
		{key: "ключ", value: []byte("значение")},
		{key: "🍷 wine", value: []byte("🍇")},
		{key: "\uffff", value: []byte("max BMP")},
		{key: "é", value: []byte("e acute")},
		{key: "a b%_", value: []byte("sql wildcards are literal")},
		{key: strings.Repeat("k", 510) + "é", value: []byte("512-byte key")},
		{key: "binary", value: all, binary: true},
		{key: "empty", value: []byte{}},
		{key: "meta", value: []byte("m"), metadata: json.RawMessage(`{"by":"me","n":[1,2.5,"x"],"nested":{"ok":true}}`)},
		{key: "expires", value: []byte("e"), expiration: now + 3600},
		{key: "ttl", value: []byte("t"), ttl: 120, metadata: json.RawMessage(`"s"`)},
	}
	for i := 0; i < pagedKeys; i++ {
		cases = append(cases, kvCase{key: fmt.Sprintf("page:%05d", i), value: []byte(fmt.Sprint(i))})
	}
	return cases
}

func (c kvCase) opts() PutOptions {
	return PutOptions{Expiration: c.expiration, ExpirationTTL: c.ttl, Metadata: c.metadata}
}

// samePages compares list pages field by field, metadata as JSON values.
func samePages(t *testing.T, what string, got, want []ListResult) {
	t.Helper()
	norm := func(pages []ListResult) string {
		var b bytes.Buffer
		for _, p := range pages {
			fmt.Fprintf(&b, "page complete=%v cursor=%q\n", p.ListComplete, p.Cursor)
			for _, k := range p.Keys {
				var m any
				if k.Metadata != nil {
					json.Unmarshal(k.Metadata, &m)
				}
				fmt.Fprintf(&b, "  %q exp=%d meta=%v\n", k.Name, k.Expiration, m)
			}
		}
		return b.String()
	}
	if g, w := norm(got), norm(want); g != w {
		t.Fatalf("%s: pages differ\n--- arena-dev\n%.3000s\n--- miniflare\n%.3000s", what, g, w)
	}
}

func ourPages(t *testing.T, ns *Namespace, prefix string, limit int) []ListResult {
	t.Helper()
	var pages []ListResult
	cursor := ""
	for {
		res, err := ns.List(ListOptions{Prefix: prefix, Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, res)
		if res.ListComplete {
			return pages
		}
		cursor = res.Cursor
	}
}

func sameJSON(a, b json.RawMessage) bool {
	if a == nil || string(a) == "null" {
		return b == nil || string(b) == "null"
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

func TestInteropMiniflareWritesArenaDevReads(t *testing.T) {
	root := t.TempDir()
	const id = "wine-answers-ns"
	mf := startMiniflare(t, root, id)
	cases := interopCases()
	for _, c := range cases {
		mf.put(c)
	}
	wantAll := mf.listAll("", 0)
	wantPrefix := mf.listAll("page:", 250)
	if len(wantAll) != 2 || wantAll[0].ListComplete {
		t.Fatalf("setup: miniflare listed %d pages", len(wantAll))
	}
	mf.quit()

	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, err := s.Namespace(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		e, err := ns.GetWithMetadata(c.key)
		if err != nil {
			t.Fatalf("get %s: %v", c, err)
		}
		if !bytes.Equal(e.Value, c.value) || !sameJSON(e.Metadata, c.metadata) {
			t.Fatalf("get %s: value %q metadata %s, want %q %s", c, e.Value, e.Metadata, c.value, c.metadata)
		}
	}
	samePages(t, "full listing", ourPages(t, ns, "", 0), wantAll)
	samePages(t, "prefix page: by 250", ourPages(t, ns, "page:", 250), wantPrefix)
}

func TestInteropArenaDevWritesMiniflareReads(t *testing.T) {
	root := t.TempDir()
	const id = "my ns:1/x" // a sanitised blob folder
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, err := s.Namespace(id) // arena-dev creates the database
	if err != nil {
		t.Fatal(err)
	}
	cases := interopCases()
	for _, c := range cases {
		if _, err := ns.Put(c.key, c.value, c.opts()); err != nil {
			t.Fatalf("put %s: %v", c, err)
		}
	}
	mf := startMiniflare(t, root, id) // while arena-dev still has it open
	for _, c := range cases {
		g := mf.get(c.key)
		if !g.Found || !bytes.Equal(g.Base64, c.value) || !sameJSON(g.Metadata, c.metadata) {
			t.Fatalf("miniflare get %s: %+v, want %q %s", c, g, c.value, c.metadata)
		}
	}
	samePages(t, "full listing", ourPages(t, ns, "", 0), mf.listAll("", 0))
	samePages(t, "prefix page: by 250", ourPages(t, ns, "page:", 250), mf.listAll("page:", 250))
}

func TestInteropLiveSharing(t *testing.T) {
	root := t.TempDir()
	const id = "live-ns"
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, err := s.Namespace(id)
	if err != nil {
		t.Fatal(err)
	}
	mf := startMiniflare(t, root, id)
	if _, err := ns.Get("from-miniflare"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before: %v", err)
	}
	mf.put(kvCase{key: "from-miniflare", value: []byte("hello from workerd"), metadata: json.RawMessage(`{"v":1}`)})
	waitFor(t, "miniflare's write", func() bool {
		e, err := ns.GetWithMetadata("from-miniflare")
		return err == nil && string(e.Value) == "hello from workerd" && string(e.Metadata) == `{"v":1}`
	})
	// Ours are visible to workerd at once: no waiting.
	if _, err := ns.Put("from-arena-dev", []byte("hello from Go"), PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if g := mf.get("from-arena-dev"); !g.Found || string(g.Base64) != "hello from Go" {
		t.Fatalf("miniflare get right after our put: %+v", g)
	}
	// Overwrites and deletes cross over too, and the replaced blob is gone.
	mf.put(kvCase{key: "from-arena-dev", value: []byte("overwritten by workerd")})
	waitFor(t, "miniflare's overwrite", func() bool {
		v, err := ns.Get("from-arena-dev")
		return err == nil && string(v) == "overwritten by workerd"
	})
	mf.mustCall(map[string]any{"op": "delete", "key": "from-miniflare"}, nil)
	waitFor(t, "miniflare's delete", func() bool {
		_, err := ns.Get("from-miniflare")
		return errors.Is(err, ErrNotFound)
	})
	if err := ns.Delete("from-arena-dev"); err != nil {
		t.Fatal(err)
	}
	if g := mf.get("from-arena-dev"); g.Found {
		t.Fatal("miniflare still sees a key arena-dev deleted")
	}
}

// TestInteropErrorTexts puts the same bad requests to Miniflare and to the
// emulator: the messages must be identical.
func TestInteropErrorTexts(t *testing.T) {
	root := t.TempDir()
	mf := startMiniflare(t, root, "errors-ns")
	s, _ := Open(t.TempDir())
	defer s.Close()
	ns, err := s.Namespace("errors-ns")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	for _, tc := range []struct {
		name string
		mf   map[string]any
		ours func() error
	}{
		{"empty key", map[string]any{"op": "put", "key": "", "value": "v"}, func() error { _, err := ns.Put("", []byte("v"), PutOptions{}); return err }},
		{"dot key", map[string]any{"op": "put", "key": ".", "value": "v"}, func() error { _, err := ns.Put(".", []byte("v"), PutOptions{}); return err }},
		{"513-byte key", map[string]any{"op": "put", "key": strings.Repeat("é", 256) + "k", "value": "v"}, func() error {
			_, err := ns.Put(strings.Repeat("é", 256)+"k", []byte("v"), PutOptions{})
			return err
		}},
		{"get 513-byte key", map[string]any{"op": "get", "key": strings.Repeat("k", 513)}, func() error { _, err := ns.Get(strings.Repeat("k", 513)); return err }},
		{"ttl 59", map[string]any{"op": "put", "key": "k", "value": "v", "expirationTtl": 59}, func() error {
			_, err := ns.Put("k", []byte("v"), PutOptions{ExpirationTTL: 59})
			return err
		}},
		{"expiration +30s", map[string]any{"op": "put", "key": "k", "value": "v", "expiration": now + 30}, func() error {
			_, err := ns.Put("k", []byte("v"), PutOptions{Expiration: now + 30})
			return err
		}},
		{"metadata 1025 bytes", map[string]any{"op": "put", "key": "k", "value": "v", "metadata": strings.Repeat("m", 1023)}, func() error {
			_, err := ns.Put("k", []byte("v"), PutOptions{Metadata: json.RawMessage(`"` + strings.Repeat("m", 1023) + `"`)})
			return err
		}},
		{"list limit 1001", map[string]any{"op": "list", "limit": 1001}, func() error { _, err := ns.List(ListOptions{Limit: 1001}); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := mf.call(tc.mf, nil)
			got := tc.ours()
			if want == "" || got == nil || got.Error() != want {
				t.Fatalf("arena-dev: %v\nminiflare: %s", got, want)
			}
		})
	}
}

// TestInteropExpirationRange: a Worker can write exactly the expirations and TTLs
// that fit a 32-bit integer; the emulator accepts and refuses the same ones, its
// message containing Miniflare's (plus the option and value it names).
func TestInteropExpirationRange(t *testing.T) {
	root := t.TempDir()
	mf := startMiniflare(t, root, "range-ns")
	s, _ := Open(t.TempDir())
	defer s.Close()
	ns, err := s.Namespace("range-ns")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  string
		v    int64
	}{
		{"largest expiration", "expiration", 2147483647},
		{"expiration past int32", "expiration", 2147483648},
		{"expiration 9300000000000000", "expiration", 9300000000000000},
		{"largest ttl", "expirationTtl", 2147483647},
		{"ttl past int32", "expirationTtl", 2147483648},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := PutOptions{Expiration: tc.v}
			if tc.opt == "expirationTtl" {
				o = PutOptions{ExpirationTTL: tc.v}
			}
			want := mf.call(map[string]any{"op": "put", "key": "k", "value": "v", tc.opt: tc.v}, nil)
			_, got := ns.Put("k", []byte("v"), o)
			switch {
			case want == "" && got != nil:
				t.Fatalf("miniflare accepts it, arena-dev says %v", got)
			case want != "" && (got == nil || !strings.Contains(got.Error(), want) || !strings.Contains(got.Error(), fmt.Sprint(tc.v))):
				t.Fatalf("arena-dev: %v\nminiflare: %s", got, want)
			}
		})
	}
}
