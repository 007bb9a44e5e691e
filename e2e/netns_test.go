//go:build linux

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lan is a network namespace joined to this one by a veth pair, with addresses
// from a private /30 the test owns: a device on the LAN, as far as the answers
// port can tell (its peer address is not loopback).
type lan struct {
	ns       string // the namespace's name (ip netns)
	hostIP   string // the host side's address: what the device dials
	deviceIP string // the namespace side's address: the peer the server sees
}

// newLAN creates the namespace and the veth pair and removes both when the test
// ends, failed or not. Without `ip` or the right to make namespaces it skips,
// and under CI=true it fails.
func newLAN(t *testing.T) *lan {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format+" (CI=true: the LAN test must run; scripts/system-deps.sh installs iproute2)", args...)
		}
		t.Skipf(format, args...)
	}
	ipPath, err := exec.LookPath("ip")
	if err != nil {
		missing("no `ip` (iproute2) here: %v", err)
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	tag := fmt.Sprintf("%02x%02x%02x", b[0], b[1], b[2])
	// 10.213.X.Y/30: X and Y from the random tag, Y a multiple of 4.
	base := fmt.Sprintf("10.213.%d.%d", b[0], b[1]&^3)
	l := &lan{ns: "arena-lan-" + tag, hostIP: addIP(base, 1), deviceIP: addIP(base, 2)}
	hostIf, devIf := "alh"+tag, "ald"+tag // ≤15 bytes, Linux's limit
	ip := func(args ...string) error {
		out, err := exec.Command(ipPath, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	// Cleanup first: a failure half way leaves nothing behind. Deleting the
	// namespace deletes its end of the pair, and with it the host's end.
	t.Cleanup(func() {
		_ = ip("link", "del", hostIf)
		_ = ip("netns", "del", l.ns)
		if err := exec.Command(ipPath, "link", "show", hostIf).Run(); err == nil {
			t.Errorf("the veth %s is still there after cleanup", hostIf)
		}
		if _, err := os.Stat(filepath.Join("/run/netns", l.ns)); err == nil {
			t.Errorf("the namespace %s is still there after cleanup", l.ns)
		}
	})
	if err := ip("netns", "add", l.ns); err != nil {
		missing("cannot create a network namespace: %v", err)
	}
	for _, args := range [][]string{
		{"link", "add", hostIf, "type", "veth", "peer", "name", devIf},
		{"link", "set", devIf, "netns", l.ns},
		{"addr", "add", l.hostIP + "/30", "dev", hostIf},
		{"link", "set", hostIf, "up"},
		{"-n", l.ns, "addr", "add", l.deviceIP + "/30", "dev", devIf},
		{"-n", l.ns, "link", "set", devIf, "up"},
		{"-n", l.ns, "link", "set", "lo", "up"},
	} {
		if err := ip(args...); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func addIP(base string, n byte) string {
	ip := net.ParseIP(base).To4()
	ip[3] += n
	return ip.String()
}

// client is an HTTP client whose connections are made inside the namespace: a
// device on the LAN. It follows no redirects (the tests look at them).
func (l *lan) client() *http.Client {
	return &http.Client{
		Timeout:       60 * time.Second, // generous: the machine may be loaded
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{Proxy: nil, DialContext: l.dial, DisableKeepAlives: true},
	}
}

// dial opens the socket on a thread that joined the namespace; the thread stays
// locked and ends with its goroutine, so no other goroutine ever runs in it.
func (l *lan) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the runtime ends this thread
		f, err := os.Open(filepath.Join("/run/netns", l.ns))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("joining %s: %w", l.ns, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
