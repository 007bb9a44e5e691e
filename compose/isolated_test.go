//go:build linux

package compose

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// isolatedEngine is a second dockerd that cannot see hide: it runs in its own
// mount namespace where an empty tmpfs covers that folder, as an engine on
// another machine (GitLab's docker:dind, a DOCKER_HOST=ssh:// box) sees nothing
// of this one's files. It has its own socket, data-root, exec-root and pidfile,
// no default bridge and an address pool of its own, beside the machine's dockerd.
type isolatedEngine struct {
	Host string // DOCKER_HOST for it
	Cli  *client.Client
	pool string
}

// startIsolatedEngine starts one for the test; it is stopped, its iptables
// rule removed and its folders deleted at the test's end, failed or not.
func startIsolatedEngine(t testing.TB, hide string) *isolatedEngine {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: a second dockerd in its own mount namespace needs root")
	}
	for _, tool := range []string{"dockerd", "unshare", "mount"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: no %s here", tool)
		}
	}
	// Not under t.TempDir: that may hold hide, and dockerd's folders must
	// outlive the namespace's mounts, which go when dockerd exits.
	base, err := os.MkdirTemp("", "arena-engine-")
	if err != nil {
		t.Fatal(err)
	}
	e := &isolatedEngine{Host: "unix://" + filepath.Join(base, "docker.sock"), pool: freePool(t)}
	script := `mount -t tmpfs -o size=1m,mode=0755 arena-hidden "$1" && shift && exec dockerd "$@"`
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", hide,
		"--host", e.Host, "--data-root", filepath.Join(base, "data"), "--exec-root", filepath.Join(base, "exec"),
		"--pidfile", filepath.Join(base, "docker.pid"), "--bridge", "none", "--iptables=false", "--ip6tables=false",
		"--default-address-pool", "base="+e.pool+",size=24")
	logf, err := os.Create(filepath.Join(base, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its containerd goes with it
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the second dockerd: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	dockerdLog := func() string {
		b, _ := os.ReadFile(logf.Name())
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		return strings.Join(lines[max(0, len(lines)-15):], "\n")
	}
	t.Cleanup(func() {
		if e.Cli != nil {
			e.Cli.Close()
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // a containerd-shim left over
		e.allowForward(false)
		logf.Close()
		if err := os.RemoveAll(base); err != nil {
			t.Errorf("removing the second engine's folders: %v", err)
		}
	})
	e.allowForward(true)
	t.Setenv("DOCKER_HOST", e.Host) // for Connect; restored at the test's end
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("the second dockerd exited:\n%s", dockerdLog())
		default:
		}
		cli, err := Connect(context.Background())
		if err == nil {
			e.Cli = cli
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second dockerd does not answer at %s: %v\n%s", e.Host, err, dockerdLog())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// allowForward lets the engine's containers reach each other. The machine's
// dockerd set the FORWARD policy to DROP and bridged frames pass through it
// (br_netfilter); the second engine manages no iptables, so without this rule
// in DOCKER-USER two containers on its project network cannot connect. An
// engine on its own machine has no such neighbour.
func (e *isolatedEngine) allowForward(on bool) {
	op := "-D"
	if on {
		op = "-I"
	}
	_ = exec.Command("iptables", op, "DOCKER-USER", "-s", e.pool, "-d", e.pool, "-j", "ACCEPT").Run()
}

// freePool is a 10.x.0.0/16 no interface of this machine is in.
func freePool(t testing.TB) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		_, cidr, _ := net.ParseCIDR(fmt.Sprintf("10.%d.0.0/16", 200+mrand.IntN(50)))
		clash := false
		for _, a := range addrs {
			if ip, _, err := net.ParseCIDR(a.String()); err == nil && cidr.Contains(ip) {
				clash = true
			}
		}
		if !clash {
			return cidr.String()
		}
	}
	t.Fatal("no free 10.x.0.0/16 for the second engine's address pool")
	return ""
}
