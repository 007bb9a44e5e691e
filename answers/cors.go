package answers

import (
	"net/http"
	"strings"
)

// corsPolicy allows browser requests from a fixed list of origins (the Astro dev
// server by default). "*" in the list allows any origin; it is never the default.
type corsPolicy struct {
	any     bool
	origins map[string]bool
	headers string // Access-Control-Allow-Headers
}

// newCORSPolicy: colo adds X-Arena-Colo to the allowed request headers, in edge
// mode only, so the default answers preflights exactly as the Worker does.
func newCORSPolicy(origins []string, colo bool) corsPolicy {
	p := corsPolicy{origins: map[string]bool{}, headers: corsHeaders}
	if colo {
		p.headers += ", " + ColoHeader
	}
	for _, o := range origins {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "*" {
			p.any = true
		} else if o != "" {
			p.origins[o] = true
		}
	}
	return p
}

const (
	corsMethods = "GET, POST, PUT, DELETE, OPTIONS"
	corsHeaders = "Content-Type, If-Match, If-None-Match"
)

// apply sets the CORS headers and handles preflights. It returns false when the
// request has been answered: a preflight, or a write from an origin that is not
// allowed (refused with 403 so a foreign page cannot change the data).
func (p corsPolicy) apply(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	if _, set := h["Vary"]; set {
		h.Add("Vary", "Origin")
	} else {
		h["Vary"] = hdrOrigin // shared, no allocation: see encodedList
	}
	origin := r.Header.Get("Origin")
	allowed := origin != "" && (p.any || p.origins[origin])
	if allowed {
		if p.any {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		h.Set("Access-Control-Expose-Headers", "ETag, Location")
	}
	if r.Method == http.MethodOptions {
		if origin != "" && !allowed {
			writeError(w, errf(403, "origin_not_allowed", "origin %q is not in the CORS allow-list (see --cors-origin)", origin))
			return false
		}
		if allowed {
			h.Set("Access-Control-Allow-Methods", corsMethods)
			h.Set("Access-Control-Allow-Headers", p.headers)
			h.Set("Access-Control-Max-Age", "600")
		}
		h.Set("Allow", corsMethods)
		w.WriteHeader(http.StatusNoContent)
		return false
	}
	// A page served from this very host (the dashboard at /_arena/) is not a
	// cross-origin caller: the Host check has already vouched for the name.
	sameOrigin := origin != "" && origin == "http://"+r.Host
	if origin != "" && !allowed && !sameOrigin && r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeError(w, errf(403, "origin_not_allowed", "origin %q is not in the CORS allow-list (see --cors-origin); nothing was written", origin))
		return false
	}
	return true
}
