package answers

import (
	"strings"
	"testing"
)

func TestHostPolicy(t *testing.T) {
	tests := []struct {
		extra []string
		host  string
		want  bool
	}{
		{nil, "127.0.0.1:8787", true},
		{nil, "127.255.0.1", true},
		{nil, "localhost:1", true},
		{nil, "LocalHost", true},
		{nil, "[::1]:8787", true},
		{nil, "[::1]", true},
		{nil, "::1", true},
		{nil, "[::ffff:127.0.0.1]:80", true},
		{nil, "", true},
		{nil, "evil.example", false},
		{nil, "localhost.", false},
		{nil, "foo.localhost", false},
		{nil, "128.0.0.1", false},
		{nil, "[fe80::1]", false},
		{nil, "0.0.0.0:8787", false},
		{[]string{"0.0.0.0", "::", ""}, "0.0.0.0", false},
		{[]string{"answers"}, "answers:8787", true},
		{[]string{"answers:8787"}, "ANSWERS", true},
		{[]string{"192.168.1.5"}, "192.168.1.5:8787", true},
		{[]string{"[fe80::1]:8787"}, "[FE80::1]", true},
		{[]string{"answers"}, "answers.evil.example", false},
		{[]string{"*"}, "evil.example", true},
	}
	for _, tc := range tests {
		if got := newHostPolicy(tc.extra).allows(tc.host); got != tc.want {
			t.Errorf("allowed %q, Host %q: %v, want %v", tc.extra, tc.host, got, tc.want)
		}
	}
}

func TestBindWarning(t *testing.T) {
	tests := []struct {
		host, want string // want: a word the warning must hold; "" = no warning
	}{
		{"127.0.0.1", ""},
		{"localhost", ""},
		{"::1", ""},
		{"127.0.0.2", ""},
		{"0.0.0.0", "every network interface"},
		{"::", "every network interface"},
		{"", "every network interface"},
		{"192.168.1.5", "not a loopback address"},
		{"myhost.lan", "not a loopback address"},
	}
	for _, tc := range tests {
		got := BindWarning(tc.host)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("BindWarning(%q) = %q; want one holding %q", tc.host, got, tc.want)
		}
	}
}

func TestRewriteGoError(t *testing.T) {
	tests := []struct {
		in         string
		want       bool
		statusLine string
		code       string
	}{
		{"HTTP/1.1 400 Bad Request" + goErrorHeaders + "400 Bad Request", true, "HTTP/1.1 400 Bad Request\r\n", `"bad_request"`},
		{"HTTP/1.1 400 Bad Request: missing required Host header" + goErrorHeaders + "400 Bad Request: missing required Host header", true, "HTTP/1.1 400 Bad Request\r\n", "missing required Host header"},
		{"HTTP/1.1 431 Request Header Fields Too Large" + goErrorHeaders + "431 Request Header Fields Too Large", true, "HTTP/1.1 431 ", `"headers_too_large"`},
		{"HTTP/1.1 501 Not Implemented" + goErrorHeaders + "Unsupported transfer encoding", true, "HTTP/1.1 501 ", `"unsupported_transfer_encoding"`},
		{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[]", false, "", ""},
		{"HTTP/1.1 404 Not Found\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{}", false, "", ""},
		{"HTTP/1.1 400 Bad Request\r\nX: y" + goErrorHeaders + "x", false, "", ""}, // extra header: not net/http's own
		{"HTTP/1.1 4", false, "", ""},
		{"", false, "", ""},
	}
	for _, tc := range tests {
		out, ok := rewriteGoError([]byte(tc.in))
		if ok != tc.want || (ok && (!strings.HasPrefix(string(out), tc.statusLine) || !strings.Contains(string(out), tc.code) ||
			!strings.Contains(string(out), "application/json"))) {
			t.Errorf("rewriteGoError(%q) = %q, %v", tc.in, out, ok)
		}
	}
}

// FuzzRewriteGoError: never panics; a rewrite is a complete response whose
// Content-Length matches its JSON body.
func FuzzRewriteGoError(f *testing.F) {
	f.Add([]byte("HTTP/1.1 400 Bad Request" + goErrorHeaders + "400 Bad Request"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		out, ok := rewriteGoError(p)
		if !ok {
			return
		}
		head, body, found := strings.Cut(string(out), "\r\n\r\n")
		if !found || !strings.Contains(head, "Content-Length: ") || !strings.HasPrefix(body, `{"error":{`) {
			t.Fatalf("rewrite of %q is not a JSON response: %q", p, out)
		}
	})
}

// FuzzHostPolicy: never panics; a Host is allowed exactly when its name (port and
// brackets gone, lower case) is loopback or configured.
func FuzzHostPolicy(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8787", "[::1]", "evil.example", "answers:1", "[", "]:", ":::"} {
		f.Add(s)
	}
	p := newHostPolicy([]string{"answers"})
	f.Fuzz(func(t *testing.T, host string) {
		got := p.allows(host)
		name := hostName(host)
		if want := host == "" || isLoopback(name) || name == "answers"; got != want {
			t.Fatalf("allows(%q) = %v; name %q", host, got, name)
		}
		if got && host != "" && name != "answers" && name != "localhost" && !strings.ContainsAny(name, ".:") {
			t.Fatalf("allowed %q (name %q), which is neither an address nor a configured name", host, name)
		}
	})
}
