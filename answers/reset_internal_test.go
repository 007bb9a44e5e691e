package answers

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// After Reset the very next GET serves the restored state however long cached
// responses live, and a write after it is not counted as a lost write; an error
// from the restore is returned.
func TestResetDropsCachesAndLostWriteMemory(t *testing.T) {
	ns, srv, send := cachingServer(t)
	do := func(method, path, body string) string {
		code, out := send(method, path, body)
		if code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		return out
	}
	do("PUT", "/answers/grape", `["Merlot"]`)
	snap := filepath.Join(t.TempDir(), "s")
	if _, err := ns.SaveSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	do("POST", "/answers/grape", `{"label": "Syrah"}`)
	if body := do("GET", "/answers/grape", ""); !strings.Contains(body, "syrah") {
		t.Fatalf("before reset: %s", body) // and now cached for an hour
	}
	if err := srv.Reset(func() error { return ns.RestoreSnapshot(snap) }); err != nil {
		t.Fatal(err)
	}
	if body := do("GET", "/answers/grape", ""); strings.Contains(body, "syrah") || !strings.Contains(body, "merlot") {
		t.Fatalf("GET right after Reset: %s", body)
	}
	do("POST", "/answers/grape", `{"label": "Malbec"}`)
	if n := srv.Store().LostWrites(); n != 0 {
		t.Fatalf("LostWrites = %d after a reset and a write: the reset was taken for a lost write", n)
	}
	boom := errors.New("boom")
	if err := srv.Reset(func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Reset returned %v, want the restore's error", err)
	}
}
