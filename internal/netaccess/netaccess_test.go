package netaccess

import (
	"net"
	"testing"
)

func TestLoopbackPeer(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5000": true, "127.9.9.9:1": true, "[::1]:5000": true, "[::ffff:127.0.0.1]:5000": true,
		"10.213.0.2:5000": false, "[fd00::2]:5000": false, "[::ffff:10.0.0.1]:1": false,
		"@": false, "": false, "127.0.0.1": false, "localhost:5000": false, "[::1%lo]:5000": true,
	} {
		if got := LoopbackPeer(addr); got != want {
			t.Errorf("LoopbackPeer(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestInterfaceAddresses: with a wildcard bind, a Host that is one of this
// machine's addresses is served, with its port, in brackets or not; without a
// wildcard it is not; names never are; a foreign address never is.
func TestInterfaceAddresses(t *testing.T) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var own []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			own = append(own, n.IP.String())
		}
	}
	if len(own) == 0 {
		t.Skip("this machine has no non-loopback address")
	}
	wild, wild6, plain := NewHosts("0.0.0.0"), NewHosts("::"), NewHosts("127.0.0.1", "")
	for _, ip := range own {
		host := net.JoinHostPort(ip, "8787")
		if !wild.Allows(host) || !wild6.Allows(host) {
			t.Errorf("wildcard bind: Host %s (this machine's) refused", host)
		}
		if plain.Allows(host) {
			t.Errorf("loopback bind: Host %s served", host)
		}
	}
	for _, host := range []string{"evil.example:8787", "192.0.2.77:8787", "0.0.0.0:8787", "[::]:8787", "[2001:db8::77]"} {
		if wild.Allows(host) {
			t.Errorf("wildcard bind: Host %s served", host)
		}
	}
}
