package answers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
)

// The cached encoding of a category follows the KV version: a value written by
// another process (another emulator handle on the same files) is served, with a
// new ETag, by the very first GET after the write returned.
func TestCachedCategoryFollowsOtherWriters(t *testing.T) {
	root := t.TempDir()
	base := serveHTTP(t, answers.New(openNamespace(t, root), answers.Options{Logger: zerolog.Nop()}))
	other := openNamespace(t, root)
	res, body := httpDo(t, "GET", base+"/answers/color", "")
	if res.StatusCode != 200 || body != "[]" {
		t.Fatalf("first GET: %d %s", res.StatusCode, body)
	}
	before := res.Header.Get("ETag")
	if res, _ := httpDo(t, "GET", base+"/answers/color", "", "If-None-Match", before); res.StatusCode != 304 {
		t.Errorf("If-None-Match of the cached ETag: %d, want 304", res.StatusCode)
	}
	value := `[{"id":"red","label":"Red","custom":false,"createdAt":"2026-01-01T00:00:00Z"}]`
	if _, err := other.Put("answers:color", []byte(value), emulator.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	res, body = httpDo(t, "GET", base+"/answers/color", "")
	if body != value {
		t.Fatalf("the first GET after another handle's write returned %s, want %s", body, value)
	}
	if tag := res.Header.Get("ETag"); tag == before || tag != answers.ETag([]byte(value)) || res.Header.Get("Content-Length") != fmt.Sprint(len(value)) {
		t.Errorf("ETag %s (before %s), Content-Length %s", tag, before, res.Header.Get("Content-Length"))
	}
	if res, body := httpDo(t, "HEAD", base+"/answers/color", ""); res.StatusCode != 200 || body != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("HEAD: %d %q %v", res.StatusCode, body, res.Header)
	}
}
