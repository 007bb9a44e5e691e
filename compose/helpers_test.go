package compose

import (
	"net"
	"testing"
)

// listenFree holds a free loopback port, as a stranger's server would.
func listenFree(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, ln.Addr().(*net.TCPAddr).Port
}
