package dashboard

import (
	"net/http"
	"strings"

	"github.com/sommelier-arena/arena-dev/wrangler"
)

// Quiet reports the dashboard's own reads (GET and HEAD under /_arena/: the page,
// its assets, its streams and its periodic looks), which an access log may leave
// out: a page left open would otherwise fill the answers log.
func Quiet(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.HasPrefix(r.URL.Path, "/_arena/")
}

// ConfigNamespaces are the KV namespace ids a Worker config names (id, preview_id,
// and a binding's name, which wrangler dev uses when neither is set); "" = none.
func ConfigNamespaces(path string) []string {
	if path == "" {
		return nil
	}
	cfg, err := wrangler.LoadConfig(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, ns := range cfg.KVNamespaces {
		for _, id := range []string{ns.PreviewID, ns.ID, ns.Binding} {
			if id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}
