package control

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path"
	"strings"
	"testing"
)

const testToken = "0123456789abcdef0123456789abcdef"

// lanAddr is one of this machine's non-loopback addresses, or "" if it has none.
func lanAddr(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// TestGuardTable: every peer × Host × method × token × path, against the rules
// of docs/security.md written out here once more.
func TestGuardTable(t *testing.T) {
	lan := lanAddr(t)
	peers := []string{"127.0.0.1:40000", "[::1]:40000", "[::ffff:127.0.0.1]:40000", "10.213.0.2:40000", "[fd00::2]:40000", "@"}
	hosts := []string{"127.0.0.1:8787", "localhost:8787", "[::1]:8787", "dev.box:8787", "evil.example:8787", "0.0.0.0:8787", "10.213.9.9:8787"}
	if lan != "" {
		hosts = append(hosts, lan+":8787")
	} else {
		t.Log("this machine has no non-loopback IPv4 address: the interface-address Host is not tried")
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
	tokens := []struct{ name, header, value string }{
		{"none", "", ""},
		{"wrong", TokenHeader, strings.Repeat("f", len(testToken))},
		{"prefix", TokenHeader, testToken[:16]},
		{"header", TokenHeader, testToken},
		{"bearer", "Authorization", "Bearer " + testToken},
		{"cookie", "Cookie", CookiePrefix + "8787=" + testToken},
		{"wrong cookie", "Cookie", CookiePrefix + "8787=nope"},
		{"other cookie", "Cookie", "token=" + testToken},
	}
	paths := []string{"/_arena/kv/value", "/_arena/reset", "/_arena/", "/_arena", "/_arena/api/services/astro/stop", "/_arena/api/../kv/propagate", "/_arena/new-endpoint", "/answers/color"}
	for _, bind := range []string{"127.0.0.1", "0.0.0.0"} {
		var hits int
		h := Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }), Access{Hosts: []string{bind, "dev.box"}, Token: testToken})
		for _, peer := range peers {
			for _, host := range hosts {
				for _, m := range methods {
					for _, tk := range tokens {
						for _, p := range paths {
							hits = 0
							req := httptest.NewRequest(m, "http://x"+p, nil)
							req.RemoteAddr, req.Host = peer, host
							if tk.header != "" {
								req.Header.Set(tk.header, tk.value)
							}
							rec := httptest.NewRecorder()
							h.ServeHTTP(rec, req)
							want := expect(bind, peer, host, m, tk.name, p, lan)
							if (hits == 1) != (want == 200) || rec.Code != want {
								t.Errorf("bind %s peer %s Host %s %s %s token %s: %d (handler ran %d), want %d %s",
									bind, peer, host, m, p, tk.name, rec.Code, hits, want, rec.Body)
							}
						}
					}
				}
			}
		}
	}
}

// expect is the rule table: 200 = passed to the handler.
func expect(bind, peer, host, method, token, path, lan string) int {
	if !strings.HasPrefix(path, "/_arena") {
		return 200 // the answers API guards itself
	}
	name := strings.TrimSuffix(host, ":8787")
	hostOK := name == "127.0.0.1" || name == "localhost" || name == "[::1]" || name == "dev.box" ||
		(bind == "0.0.0.0" && lan != "" && name == lan)
	if !hostOK {
		return 403
	}
	if method == "GET" || method == "HEAD" {
		return 200
	}
	hasToken := token == "header" || token == "bearer" || token == "cookie"
	ap, err := netip.ParseAddrPort(peer)
	loopback := err == nil && ap.Addr().Unmap().IsLoopback()
	if strings.HasPrefix(path, "/_arena/api/") && !strings.Contains(path, "..") {
		if hasToken {
			return 200
		}
		return 401
	}
	if hasToken || loopback {
		return 200
	}
	return 401
}

// TestGuardOriginAndFetchSite: a change from another origin, or marked
// cross-site, is refused even with the token and from loopback (CSRF: a cookie
// rides along with a cross-site request).
func TestGuardOriginAndFetchSite(t *testing.T) {
	var hits int
	h := Guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }), Access{Token: testToken})
	for _, c := range []struct {
		origin, site string
		want         int
	}{
		{"", "", 200},
		{"http://127.0.0.1:8787", "same-origin", 200},
		{"http://evil.example", "", 403},
		{"http://127.0.0.1:4321", "", 403},
		{"null", "", 403},
		{"", "cross-site", 403},
		{"http://127.0.0.1:8787", "cross-site", 403},
	} {
		hits = 0
		req := httptest.NewRequest("POST", "http://127.0.0.1:8787/_arena/api/services/astro/stop", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set(TokenHeader, testToken)
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		if c.site != "" {
			req.Header.Set("Sec-Fetch-Site", c.site)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want || (c.want == 200) != (hits == 1) {
			t.Errorf("Origin %q Sec-Fetch-Site %q: %d (handler ran %d), want %d", c.origin, c.site, rec.Code, hits, c.want)
		}
	}
}

// TestNoTokenConfigured: with no token (""), no header value opens the token-only
// routes, an empty one included.
func TestNoTokenConfigured(t *testing.T) {
	a := Access{}
	for _, v := range []string{"", "Bearer ", "x"} {
		req := httptest.NewRequest("POST", "/_arena/api/services/a/stop", nil)
		req.Header.Set(TokenHeader, v)
		req.Header.Set("Authorization", v)
		if g := a.Grant(req); g.Control() {
			t.Errorf("token %q granted control with no token configured", v)
		}
	}
}

func TestNewTokenAndLoginURL(t *testing.T) {
	a, _ := NewToken()
	b, _ := NewToken()
	if len(a) != 64 || a == b || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("tokens %q %q: want two different 256-bit hex strings", a, b)
	}
	for addr, want := range map[string]string{
		"0.0.0.0:8787":   "http://127.0.0.1:8787/_arena/?token=t%2B1",
		"[::]:8787":      "http://127.0.0.1:8787/_arena/?token=t%2B1",
		"10.0.0.5:8787":  "http://10.0.0.5:8787/_arena/?token=t%2B1",
		"[fd00::1]:8787": "http://[fd00::1]:8787/_arena/?token=t%2B1",
	} {
		if got := LoginURL(addr, "t+1"); got != want {
			t.Errorf("LoginURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

// BenchmarkGuardAnswersPath: what the guard around the whole port costs a request
// to the answers API (which it passes through), beside the bare handler.
func BenchmarkGuardAnswersPath(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	req := httptest.NewRequest("GET", "http://127.0.0.1:8787/answers/color", nil)
	w := httptest.NewRecorder()
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"guarded", Guard(bare, Access{Hosts: []string{"0.0.0.0"}, Token: testToken})}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.h.ServeHTTP(w, req)
			}
		})
	}
}

// FuzzMaybeArena: the guard's shortcut never lets through a path that cleans
// to one under /_arena.
func FuzzMaybeArena(f *testing.F) {
	for _, s := range []string{"/answers/color", "/_arena/kv/value", "//_arena/reset", "/./_arena", "/../_arena/api/x", "/a/../_arena/reset", "", "/", "*", "_arena/reset"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		c := path.Clean(p)
		if !maybeArena(p) && (c == "/_arena" || strings.HasPrefix(c, "/_arena/")) {
			t.Fatalf("maybeArena(%q) = false, but it cleans to %q", p, c)
		}
	})
}
