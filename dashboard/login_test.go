package dashboard_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
)

const token = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func tokenDash(t *testing.T) (http.Handler, *emulator.Store) {
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Namespace(nsID); err != nil {
		t.Fatal(err)
	}
	return dashboard.New(dashboard.Options{Store: st, Namespace: nsID, Services: true,
		Access: control.Access{Hosts: []string{"0.0.0.0"}, Token: token}}), st
}

func call(h http.Handler, method, target, peer string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(`{"value":"x"}`))
	req.Host, req.RemoteAddr = "127.0.0.1:8787", peer
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestLoginSetsTheCookie: /_arena/?token=<the token> answers a redirect to the
// clean URL with an HttpOnly, SameSite=Strict cookie scoped to /_arena and named
// after the port; a wrong token sets nothing. The cookie then grants what the
// token grants, and /_arena/config says so to the page.
func TestLoginSetsTheCookie(t *testing.T) {
	h, _ := tokenDash(t)
	rec := call(h, "GET", "/_arena/?token="+token, "10.213.0.2:5000")
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/_arena/" || len(cookies) != 1 {
		t.Fatalf("login: %d Location %q cookies %v", rec.Code, rec.Header().Get("Location"), cookies)
	}
	c := cookies[0]
	if c.Name != control.CookiePrefix+"8787" || c.Value != token || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/_arena" {
		t.Fatalf("cookie %+v", c)
	}
	for _, bad := range []string{"", "nope", token[:32], token + "0"} {
		rec := call(h, "GET", "/_arena/?token="+bad, "127.0.0.1:5000")
		if rec.Code != http.StatusForbidden || len(rec.Result().Cookies()) != 0 || !strings.Contains(rec.Body.String(), "arena-dev open") {
			t.Errorf("login with %q: %d %v %s", bad, rec.Code, rec.Result().Cookies(), rec.Body)
		}
	}
	config := func(peer string, hdr ...string) (writes, ctl bool) {
		var v struct{ Writes, Control bool }
		rec := call(h, "GET", "/_arena/config", peer, hdr...)
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || rec.Code != 200 {
			t.Fatalf("config: %d %s", rec.Code, rec.Body)
		}
		return v.Writes, v.Control
	}
	cookie := "Cookie"
	for _, c := range []struct {
		peer, hdr, val string
		writes, ctl    bool
		put            int
	}{
		{"127.0.0.1:5000", "", "", true, false, 200},
		{"10.213.0.2:5000", "", "", false, false, 401},
		{"10.213.0.2:5000", cookie, c.Name + "=" + token, true, true, 200},
		{"10.213.0.2:5000", cookie, c.Name + "=" + token[1:] + "0", false, false, 401},
		{"127.0.0.1:5000", control.TokenHeader, token, true, true, 200},
	} {
		w, k := config(c.peer, c.hdr, c.val)
		if w != c.writes || k != c.ctl {
			t.Errorf("config from %s with %s: writes %v control %v, want %v %v", c.peer, c.hdr, w, k, c.writes, c.ctl)
		}
		rec := call(h, "PUT", "/_arena/kv/value?ns="+nsID+"&key=k", c.peer, c.hdr, c.val, "Content-Type", "application/json")
		if rec.Code != c.put {
			t.Errorf("PUT from %s with %s: %d %s, want %d", c.peer, c.hdr, rec.Code, rec.Body, c.put)
		}
	}
}

func TestCookieName(t *testing.T) {
	for host, want := range map[string]string{"127.0.0.1:8787": "8787", "[::1]:9000": "9000", "localhost": "80", "x:8a": "80", "x:;": "80"} {
		if got := dashboard.CookieName(host); got != control.CookiePrefix+want {
			t.Errorf("CookieName(%q) = %q", host, got)
		}
	}
}
