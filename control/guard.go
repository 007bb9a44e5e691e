package control

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/sommelier-arena/arena-dev/internal/netaccess"
)

// The stack's token travels in one of these (docs/security.md): a header for
// scripts and tests, the cookie `arena-dev open` sets for the dashboard.
const (
	TokenHeader  = "X-Arena-Token"
	CookiePrefix = "arena_token_" // + the port: cookies are not scoped by port
)

// Access is who may do what under /_arena on the answers port (docs/security.md).
type Access struct {
	// Hosts are the Host names served besides loopback ones: the bind host (a
	// wildcard admits this machine's IP addresses) and --allow-host names.
	Hosts []string
	// Token is the stack's token; "" = none is accepted (no token-only route
	// can then be used over TCP).
	Token string
}

// NewToken is a fresh random token: 256 bits, hex.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Grant is what one request may do beyond reading.
type Grant struct {
	Token    bool // it carries the stack's token
	Loopback bool // its connection's peer is this machine
}

// Write: a change to the stack's data (reset, snapshots, KV writes, propagate).
// A loopback peer could make it through the answers API anyway.
func (g Grant) Write() bool { return g.Token || g.Loopback }

// Control: starting, stopping or restarting services, which the 0600 socket keeps
// to its owner; over TCP only the token proves the caller is that user.
func (g Grant) Control() bool { return g.Token }

// Grant judges r by its connection's peer address and the token it carries,
// never by its Host header.
func (a Access) Grant(r *http.Request) Grant {
	return Grant{Token: a.hasToken(r), Loopback: netaccess.LoopbackPeer(r.RemoteAddr)}
}

// ValidToken compares t with the stack's token in constant time.
func (a Access) ValidToken(t string) bool {
	return a.Token != "" && t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(a.Token)) == 1
}

func (a Access) hasToken(r *http.Request) bool {
	if a.Token == "" {
		return false
	}
	if a.ValidToken(r.Header.Get(TokenHeader)) {
		return true
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && a.ValidToken(t) {
		return true
	}
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, CookiePrefix) && a.ValidToken(c.Value) {
			return true
		}
	}
	return false
}

// Guard protects every path under /_arena that h serves (it passes other paths
// through untouched: the answers API guards itself). Wrapped around the whole
// answers port, it judges a route before routing, so a new endpoint cannot be
// left open by forgetting it. In order:
//   - the Host header must name this machine (loopback names, a.Hosts, with a
//     wildcard bind the machine's IP addresses): against DNS rebinding, reads
//     included;
//   - anything but GET and HEAD is a change: it must carry no Origin (curl,
//     scripts) or exactly its own, and no Sec-Fetch-Site: cross-site (CSRF);
//   - a change under /_arena/api/ (services) needs the token, from any peer; any
//     other change needs a loopback peer or the token.
func Guard(h http.Handler, a Access) http.Handler {
	hosts := netaccess.NewHosts(a.Hosts...)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !maybeArena(r.URL.Path) {
			h.ServeHTTP(w, r) // the answers API's hot path: one substring search
			return
		}
		p := path.Clean(r.URL.Path) // as the router sees it
		if p != "/_arena" && !strings.HasPrefix(p, "/_arena/") {
			h.ServeHTTP(w, r)
			return
		}
		if !hosts.Allows(r.Host) {
			writeError(w, http.StatusForbidden, "host_not_allowed", "/_arena answers only requests to this machine's loopback names, the --host address or an --allow-host name (Host "+r.Host+")", nil)
			return
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			writeError(w, http.StatusForbidden, "origin_not_allowed", "/_arena takes changes only from its own page (Origin "+o+")", nil)
			return
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			writeError(w, http.StatusForbidden, "origin_not_allowed", "/_arena takes changes only from its own page", nil)
			return
		}
		g := a.Grant(r)
		if ControlPath(p) {
			if !g.Control() {
				writeError(w, http.StatusUnauthorized, "token_required",
					"starting, stopping and restarting services over TCP needs the stack's token, even from this machine: run `arena-dev open` for the dashboard, or send the "+TokenHeader+" header (docs/security.md)", nil)
				return
			}
		} else if !g.Write() {
			writeError(w, http.StatusUnauthorized, "token_required",
				"changes under /_arena from another machine need the stack's token: run `arena-dev open` for the dashboard, or send the "+TokenHeader+" header (docs/security.md)", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// maybeArena is false for a path that cannot clean to one under /_arena:
// cleaning only drops segments, it never makes an "_arena" one.
func maybeArena(p string) bool { return strings.Contains(p, "_arena") }

// ControlPath reports whether a cleaned /_arena path belongs to the control API
// (the services).
func ControlPath(p string) bool {
	return p == "/_arena/api" || strings.HasPrefix(p, "/_arena/api/")
}

// LoginURL is the dashboard URL that sets the token as its cookie, for a listen
// address (a wildcard one is reached through 127.0.0.1).
func LoginURL(addr, token string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if netaccess.IsWildcard(host) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/_arena/?token=" + url.QueryEscape(token)
}
