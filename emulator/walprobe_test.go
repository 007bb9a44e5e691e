package emulator

import (
	"database/sql"
	"fmt"
	"net/url"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/sqliteuri"
)

// TestWALProbe: with no commit anywhere, reads skip the data_version query
// (where the -shm file is mapped; on Windows every read makes it);
// every commit by another connection, through the emulator or by raw SQL as
// workerd writes, is seen by the very next read.
func TestWALProbe(t *testing.T) {
	root := t.TempDir()
	writer := openAt(t, root, "probe")
	mustPut(t, writer, "k", "v0", PutOptions{})
	reader := openAt(t, root, "probe")
	if v, err := reader.Get("k"); err != nil || string(v) != "v0" {
		t.Fatalf("first read: %q %v", v, err)
	}
	raw, err := sql.Open("sqlite", sqliteuri.URI(DatabasePath(root, "probe"), url.Values{"_busy_timeout": {"5000"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	reader.Get("k") // one check: the probe remembers the header from here on
	before := reader.versionQueries.Load()
	for range 100 {
		if v, err := reader.Get("k"); err != nil || string(v) != "v0" {
			t.Fatalf("idle read: %q %v", v, err)
		}
	}
	if q := reader.versionQueries.Load() - before; walIndexMapped && q != 0 {
		t.Errorf("100 reads with no commit anywhere made %d data_version queries, want 0", q)
	} else if !walIndexMapped && q != 100 { // Windows: each read asks SQLite
		t.Errorf("100 reads made %d data_version queries, want one each", q)
	}

	for i := 1; i <= 200; i++ {
		want := fmt.Sprint("v", i)
		if i%2 == 0 {
			mustPut(t, writer, "k", want, PutOptions{})
		} else {
			// A foreign writer that only speaks SQL, as workerd does: it
			// changes the row's expiration, which the next read must show.
			if _, err := raw.Exec("UPDATE _mf_entries SET expiration = ? WHERE key = 'k'", (4_000_000_000+int64(i))*1000); err != nil {
				t.Fatal(err)
			}
			want = fmt.Sprint("v", i-1)
		}
		e, err := reader.GetWithMetadata("k")
		if err != nil || string(e.Value) != want {
			t.Fatalf("round %d: read %q %v, want %s", i, e.Value, err, want)
		}
		if i%2 == 1 && e.Expiration != 4_000_000_000+int64(i) {
			t.Fatalf("round %d: the raw SQL commit's expiration was not seen: %+v", i, e)
		}
	}
}
