// Package netaccess holds the two network facts the answers port's guards judge
// by: which Host headers name this machine (against DNS rebinding) and whether a
// connection's peer is this machine (the peer address, which a client cannot
// forge the way it can forge a Host header).
package netaccess

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Hosts decides which Host headers are served: loopback names always, the
// configured names, and with a wildcard bind the IP literals of this machine's
// interfaces (a phone on the LAN loads the app by the machine's address; DNS
// rebinding needs a name, so names stay refused).
type Hosts struct {
	any    bool
	ifaces bool
	names  map[string]bool // lower case, no port, no brackets
}

// NewHosts accepts loopback names plus extra, which may carry a port (ignored),
// may be "*" (any Host), or a wildcard bind address ("0.0.0.0", "::", ""), which
// admits the interfaces' own addresses.
func NewHosts(extra ...string) Hosts {
	p := Hosts{names: map[string]bool{}}
	for _, h := range extra {
		h = strings.TrimSpace(h)
		switch name := HostName(h); {
		case h == "*":
			p.any = true
		case IsWildcard(name):
			p.ifaces = p.ifaces || h != "" // "" is "not set", not a bind
		default:
			p.names[name] = true
		}
	}
	return p
}

// Allows reports whether the Host header host may be served. An empty Host (an
// HTTP/1.0 client) is allowed: browsers always send one.
func (p Hosts) Allows(host string) bool {
	if p.any || host == "" {
		return true
	}
	name := HostName(host)
	if IsLoopbackName(name) || p.names[name] {
		return true
	}
	if !p.ifaces {
		return false
	}
	a, err := netip.ParseAddr(name)
	return err == nil && localAddrs.has(a.Unmap().WithZone(""))
}

// HostName strips the port and IPv6 brackets from a Host header and lower-cases it.
func HostName(h string) string {
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

// IsLoopbackName: "localhost", 127.0.0.0/8, ::1 (also as an IPv4-mapped address).
func IsLoopbackName(name string) bool {
	if name == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

// IsWildcard: "", "0.0.0.0", "::" (a bind address that names no host).
func IsWildcard(name string) bool {
	if name == "" {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.IsUnspecified()
}

// LoopbackPeer reports whether remoteAddr (an http.Request's RemoteAddr, "ip:port")
// is a loopback address: the connection comes from this machine. Anything that
// does not parse (a Unix socket's peer) is not.
func LoopbackPeer(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// localAddrs caches the interfaces' addresses: asked only for a Host that is
// neither loopback nor configured, refreshed at most once a second on a miss (an
// address a DHCP lease just gave is served a second later at worst).
var localAddrs = &addrCache{}

type addrCache struct {
	mu      sync.Mutex
	addrs   map[netip.Addr]bool
	fetched time.Time
}

func (c *addrCache) has(a netip.Addr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.addrs[a] {
		return true
	}
	if time.Since(c.fetched) < time.Second {
		return false
	}
	c.fetched = time.Now()
	c.addrs = map[netip.Addr]bool{}
	ifs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range ifs {
		if n, ok := ia.(*net.IPNet); ok {
			if x, ok := netip.AddrFromSlice(n.IP); ok {
				c.addrs[x.Unmap().WithZone("")] = true
			}
		}
	}
	return c.addrs[a]
}
