package sqliteuri

import (
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	_ "modernc.org/sqlite"
)

func TestURISpelling(t *testing.T) {
	cases := []struct{ path, want string }{
		{"/tmp/kv/db.sqlite", "file:///tmp/kv/db.sqlite"},
		{"/tmp/a?b/db.sqlite", "file:///tmp/a%3Fb/db.sqlite"},
		{"/tmp/50%/x#y.sqlite", "file:///tmp/50%25/x%23y.sqlite"},
		{"/tmp/with space/db", "file:///tmp/with%20space/db"},
	}
	if runtime.GOOS == "windows" {
		cases = []struct{ path, want string }{
			{`C:\Users\me\.wrangler\db.sqlite`, "file:///C:/Users/me/.wrangler/db.sqlite"},
			{`C:\a?b\db.sqlite`, "file:///C:/a%3Fb/db.sqlite"},
		}
	}
	for _, c := range cases {
		if got := URI(c.path, nil); got != c.want {
			t.Errorf("URI(%q) = %q, want %q", c.path, got, c.want)
		}
	}
	if got := URI(cases[0].path, url.Values{"mode": {"ro"}}); got != cases[0].want+"?mode=ro" {
		t.Errorf("with a query: %q", got)
	}
}

// TestOpensTheFileItNames opens, through the URI, a database in folders whose
// names a URI would otherwise cut or misread, and finds it at that very path.
func TestOpensTheFileItNames(t *testing.T) {
	names := []string{"plain", "with space", "50%", "a#b"}
	if runtime.GOOS != "windows" {
		names = append(names, "a?b") // '?' is not allowed in a Windows file name
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "db.sqlite")
			db, err := sql.Open("sqlite", URI(path, url.Values{"mode": {"rwc"}}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('here')"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
				t.Fatalf("the database is not at %s: %v", path, err)
			}
			ro, err := sql.Open("sqlite", URI(path, url.Values{"mode": {"ro"}}))
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			var v string
			if err := ro.QueryRow("SELECT v FROM t").Scan(&v); err != nil || v != "here" {
				t.Fatalf("read back %q, %v", v, err)
			}
		})
	}
}
