package emulator

import (
	"strings"
	"testing"
	"time"
)

func TestDatabaseName(t *testing.T) {
	// The documented example, verified against Miniflare's own file name.
	got := DatabaseName("wine-answers-ns")
	want := "e1c696d3499b142126f0e3a5449063929c8abf42c8ba755030f5c5cb224a9b2d"
	if got != want {
		t.Fatalf("DatabaseName(wine-answers-ns) = %s, want %s", got, want)
	}
	if DatabaseName("a") == DatabaseName("b") {
		t.Fatal("different namespaces share a database name")
	}
}

func TestSanitisePath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"wine-answers-ns", "wine-answers-ns"},
		{"my ns:1/x", "my ns_1_x"},
		{"con", "_"},
		{"CON.txt", "_"},
		{"com1", "_"},
		{"console", "console"},
		{"<this not needed>", "_this not needed_"},
		{"..", "__"},
		{".", "_"},
		{"a/../b", "a____b"},
		{"  lead", "__lead"},
		{"trail  ", "trail__"},
		{"tab\there", "tab_here"},
		{"q?\"'*^|\\", "q_______"},
		{"\u0085x", "_x"},
		{"été", "été"},
		{strings.Repeat("a", 300), strings.Repeat("a", 255)},
	} {
		if got := SanitisePath(tc.in); got != tc.want {
			t.Errorf("SanitisePath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBlobIDs(t *testing.T) {
	at := time.UnixMilli(0x0123456789ab)
	id := newBlobID(at)
	if !validBlobID(id) {
		t.Fatalf("new id %q is not valid", id)
	}
	if !strings.HasSuffix(id, "00000123456789ab") {
		t.Fatalf("id %q does not end in the big-endian millisecond time", id)
	}
	if newBlobID(at)[:64] == id[:64] {
		t.Fatal("two ids share their random part")
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 80), strings.Repeat("a", 79), strings.Repeat("a", 81), strings.Repeat("0", 78) + "/x", strings.Repeat("g", 80)} {
		if validBlobID(bad) {
			t.Errorf("validBlobID(%q) = true", bad)
		}
	}
}

func TestCursors(t *testing.T) {
	for _, key := range []string{"a", "answers:color", "ключ", "🍷 wine", strings.Repeat("é", 256)} {
		c := encodeCursor(key)
		if got := decodeCursor(c); got != key {
			t.Errorf("round trip of %q via %q gave %q", key, c, got)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"YWJj", "abc"},
		{"YWI=", "ab"},
		{"YWI", "ab"},      // unpadded, as Node accepts
		{"Pz8-", "??>"},    // URL-safe alphabet
		{"Y W\nJj", "abc"}, // junk characters skipped
		{"", ""},
		{"/w==", "\uFFFD"}, // invalid UTF-8 becomes U+FFFD
	} {
		if got := decodeCursor(tc.in); got != tc.want {
			t.Errorf("decodeCursor(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if encodeCursor("ab") != "YWI=" {
		t.Errorf("cursor must be padded standard base64, got %q", encodeCursor("ab"))
	}
}
