package control

import (
	"net"
	"net/http"
	"strings"
)

// Guard admits a browser's request to the API mounted on the answers port only
// when it names this machine and comes from the page's own origin: the Host
// header must be a loopback name or one of hosts (against DNS rebinding, where a
// foreign page's name resolves to 127.0.0.1), and a request that changes
// something must carry no Origin (curl, scripts) or exactly its own.
func Guard(h http.Handler, hosts ...string) http.Handler {
	allowed := map[string]bool{}
	for _, x := range hosts {
		if x != "" && x != "0.0.0.0" && x != "::" {
			allowed[strings.ToLower(x)] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if !loopbackName(host) && !allowed[host] {
			writeError(w, http.StatusForbidden, "host_not_allowed", "the control API answers only requests to this machine's loopback names (Host "+r.Host+")", nil)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
				writeError(w, http.StatusForbidden, "origin_not_allowed", "the control API takes changes only from its own page (Origin "+o+")", nil)
				return
			}
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				writeError(w, http.StatusForbidden, "origin_not_allowed", "the control API takes changes only from its own page", nil)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = hostport
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

func loopbackName(h string) bool {
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
