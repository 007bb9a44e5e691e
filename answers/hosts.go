package answers

import (
	"github.com/sommelier-arena/arena-dev/internal/netaccess"
)

// hostPolicy decides which Host headers the API answers. A browser page on a
// hostile domain that rebinds its DNS name to 127.0.0.1 reaches the API with its
// own name in Host, so accepting only loopback names, the names the caller
// configured and (with a wildcard bind) this machine's own IP addresses keeps
// such pages out, reads included.
type hostPolicy struct{ netaccess.Hosts }

// newHostPolicy accepts loopback names plus extra, which may carry a port (it is
// ignored) and may be "*" (accept any Host). A wildcard bind address ("0.0.0.0",
// "::") admits the IP literals of this machine's interfaces, so a device on the
// LAN reaches the API by the machine's address; "" names nothing.
func newHostPolicy(extra []string) hostPolicy {
	return hostPolicy{netaccess.NewHosts(extra...)}
}

func (p hostPolicy) allows(host string) bool { return p.Allows(host) }

func hostName(h string) string    { return netaccess.HostName(h) }
func isLoopback(name string) bool { return netaccess.IsLoopbackName(name) }
func isWildcard(name string) bool { return netaccess.IsWildcard(name) }

// BindWarning is the warning to log when the API listens on host: binding every
// interface, or any address that is not loopback, exposes the port to the
// network. It names what becomes reachable and what stays closed (docs/security.md).
// It is "" for loopback addresses.
func BindWarning(host string) string {
	name := hostName(host)
	var where string
	switch {
	case isWildcard(name):
		where = "--host " + host + " listens on every network interface (any Host that is one of this machine's IP addresses is served)"
	case isLoopback(name):
		return ""
	default:
		where = "--host " + host + " is not a loopback address"
	}
	return where + ": anyone who can reach it can read and change the answers through the API (it has no authentication), " +
		"and read the /_arena views: the dashboard, the KV browser, usage, lost writes, service states and logs; " +
		"changes under /_arena (reset, snapshots, KV writes, propagate) need the stack's token from another machine, " +
		"and starting, stopping or restarting services needs it from anywhere (see docs/security.md); " +
		"use 127.0.0.1 unless the LAN or a container needs it"
}
