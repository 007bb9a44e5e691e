package dashboard

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded file with its strong ETag.
type asset struct {
	body []byte
	etag string
	mime string
}

var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	_ = fs.WalkDir(staticFS, "static", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		typ := mime.TypeByExtension(path.Ext(p))
		switch path.Ext(p) { // not left to the system's mime table
		case ".js":
			typ = "text/javascript; charset=utf-8"
		case ".css":
			typ = "text/css; charset=utf-8"
		case ".html":
			typ = "text/html; charset=utf-8"
		case ".svg":
			typ = "image/svg+xml"
		}
		out[strings.TrimPrefix(p, "static/")] = asset{body: b, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, mime: typ}
		return nil
	})
	return out
}

func (d *dash) index(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("token") {
		d.login(w, r)
		return
	}
	serveAsset(w, r, "index.html")
}

func (d *dash) asset(w http.ResponseWriter, r *http.Request) {
	serveAsset(w, r, r.PathValue("file"))
}

// serveAsset serves an embedded file; the page revalidates (ETag), so a new
// binary's assets are never mixed with an old page.
func serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok || name == "index.html" && r.URL.Path != "/_arena/" {
		writeError(w, http.StatusNotFound, "not_found", "no dashboard file "+name)
		return
	}
	w.Header().Set("ETag", a.etag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == a.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", a.mime)
	_, _ = w.Write(a.body)
}

// AssetBytes is the total size of the embedded page (what a first load moves,
// before HTTP headers).
func AssetBytes() int {
	n := 0
	for _, a := range assets {
		n += len(a.body)
	}
	return n
}
