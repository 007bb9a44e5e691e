package svclog

import "testing"

func TestTailKeepsTheEnd(t *testing.T) {
	b := &Tail{Max: 8}
	for _, s := range []string{"abc", "defgh", "ijk"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "defghijk" {
		t.Fatalf("tail = %q, want the last 8 bytes %q", got, "defghijk")
	}
	l := &Tail{Max: 1 << 10}
	l.Write([]byte("one\ntwo\nthree\nfour\n"))
	if got := l.LastLines(2); got != "three\nfour" {
		t.Fatalf("LastLines(2) = %q", got)
	}
	if got := l.LastLines(10); got != "one\ntwo\nthree\nfour" {
		t.Fatalf("LastLines(10) = %q", got)
	}
}
