// Package sqliteuri spells a file path as the file: URI SQLite opens, the one
// way every database here (the KV state, the KV limits meter, snapshots) is
// named to the driver.
package sqliteuri

import (
	"net/url"
	"path/filepath"
	"strings"
)

// URI is path as SQLite's file: URI with query q (nil: none). The path keeps
// only forward slashes, and a Windows drive gets a leading slash
// (file:///C:/...): a bare C:\... is read as a URI authority and refused
// ("invalid uri authority"). Every character a URI reserves is escaped, so a
// folder named "a?b" or "50%" opens the file it names, not a cut-off one.
func URI(path string, q url.Values) string {
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u.String()
}
