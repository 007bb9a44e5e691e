package answers

import (
	"net/netip"
	"strings"
)

// hostPolicy decides which Host headers the API answers. A browser page on a
// hostile domain that rebinds its DNS name to 127.0.0.1 reaches the API with its
// own name in Host, so accepting only loopback names (and the names the caller
// configured) keeps such pages out, reads included.
type hostPolicy struct {
	any   bool
	names map[string]bool // lower case, no port, no brackets
}

// newHostPolicy accepts loopback names plus extra, which may carry a port (it is
// ignored) and may be "*" (accept any Host). Wildcard bind addresses ("0.0.0.0",
// "::", "") name no host and are skipped, so callers can pass the bind host as is.
func newHostPolicy(extra []string) hostPolicy {
	p := hostPolicy{names: map[string]bool{}}
	for _, h := range extra {
		h = strings.TrimSpace(h)
		if h == "*" {
			p.any = true
			continue
		}
		if name := hostName(h); name != "" && !isWildcard(name) {
			p.names[name] = true
		}
	}
	return p
}

// allows reports whether the Host header host may be served. An empty Host (an
// HTTP/1.0 client) is allowed: browsers always send one.
func (p hostPolicy) allows(host string) bool {
	if p.any || host == "" {
		return true
	}
	name := hostName(host)
	return isLoopback(name) || p.names[name]
}

// hostName strips the port and IPv6 brackets from a Host header and lower-cases it.
func hostName(h string) string {
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i] // one colon: host:port; more is a bare IPv6 address
	}
	if hasUpper(h) {
		h = strings.ToLower(h)
	}
	return h
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// isLoopback: "localhost", 127.0.0.0/8, ::1 (also as an IPv4-mapped address).
func isLoopback(name string) bool {
	if name == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

func isWildcard(name string) bool {
	if name == "" {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.IsUnspecified()
}

// BindWarning is the warning to log when the API listens on host: binding every
// interface, or any address that is not loopback, exposes an API without
// authentication to the network. It is "" for loopback addresses.
func BindWarning(host string) string {
	name := hostName(host)
	switch {
	case isWildcard(name):
		return "--host " + host + " listens on every network interface: anyone who can reach this machine can read and change the answers (the API has no authentication); use 127.0.0.1 unless this runs in a container"
	case isLoopback(name):
		return ""
	}
	return "--host " + host + " is not a loopback address: the API (no authentication) is reachable by anyone who can reach that address"
}
