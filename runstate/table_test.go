//go:build unix

package runstate

import (
	"bytes"
	"strings"
	"testing"
)

func TestWriteStatusTable(t *testing.T) {
	var b bytes.Buffer
	err := WriteStatusTable(&b, []ServiceStatus{
		{Name: "answers", State: StateReady, PID: 10, Port: 8787, URL: "http://127.0.0.1:8787", LastError: "old"},
		{Name: "partykit", State: StateFailed, Restarts: 5, LastError: "gave up"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := [][]string{
		{"NAME", "STATE", "PID", "PORT", "URL", "RESTARTS", "LAST", "ERROR"},
		{"answers", "ready", "10", "8787", "http://127.0.0.1:8787", "0", "-"},
		{"partykit", "failed", "-", "-", "-", "5", "gave", "up"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines:\n%s", len(lines), b.String())
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want fields %v", i, lines[i], w)
		}
	}
	// Columns align: every row's URL column starts at the same offset.
	col := strings.Index(lines[0], "URL")
	if !strings.HasPrefix(lines[1][col:], "http://") || !strings.HasPrefix(lines[2][col:], "-") {
		t.Errorf("columns not aligned:\n%s", b.String())
	}
}
