package compose

import (
	"fmt"
	"net"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
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

// exampleServices are the example stack's services, in `compose ps` order.
var exampleServices = []string{"answers", "astro", "partykit"}

// portFlags gives every example service a free port, as --port values.
func portFlags(t testing.TB, fixed map[string]int) []string {
	var out []string
	for _, s := range exampleServices {
		p := fixed[s]
		if p == 0 {
			p = testenv.FreePort(t)
		}
		out = append(out, fmt.Sprintf("%s=%d", s, p))
	}
	return out
}
