package dashboard

import (
	"net"
	"net/http"
	"strings"

	"github.com/sommelier-arena/arena-dev/control"
)

// login turns the token of the URL `arena-dev open` opens (/_arena/?token=...)
// into an HttpOnly, SameSite=Strict cookie and redirects to the clean URL, so the
// token is neither in the address bar nor readable by the page's scripts. A wrong
// token sets nothing.
func (d *dash) login(w http.ResponseWriter, r *http.Request) {
	if !d.o.Access.ValidToken(r.URL.Query().Get("token")) {
		writeError(w, http.StatusForbidden, "bad_token",
			"this is not the running stack's token (a new stack has a new one): run `arena-dev open` again")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     CookieName(r.Host),
		Value:    r.URL.Query().Get("token"),
		Path:     "/_arena",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	http.Redirect(w, r, "/_arena/", http.StatusSeeOther)
}

// CookieName is the token cookie's name for a Host: browsers share cookies
// between the ports of one host, so two stacks on 127.0.0.1 keep one each.
func CookieName(host string) string {
	_, port, err := net.SplitHostPort(host)
	if err != nil || port == "" || strings.Trim(port, "0123456789") != "" {
		port = "80"
	}
	return control.CookiePrefix + port
}
