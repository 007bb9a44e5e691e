package answers_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// startWorker serves the reference wine-answers Worker under real Miniflare 3 (Node
// 20 from PATH, miniflare and esbuild from testenv/node) with KV persisted under
// root/v3/kv, and stops it when the test ends. It returns the base URL.
func startWorker(t testing.TB, root string) string {
	t.Helper()
	node := testenv.Node20(t)
	testenv.Miniflare3(t)
	modules := filepath.Join(testenv.NodeDir(t), "node_modules")
	testenv.RequireFile(t, filepath.Join(modules, "esbuild"))
	script := testenv.RequireFile(t, filepath.Join(testenv.ExampleDir(t), "wine-answers-worker", "scripts", "serve-miniflare.mjs"))
	port := testenv.FreePort(t)

	cmd := exec.Command(node, script, "--port", fmt.Sprint(port), "--host", "127.0.0.1", "--persist-to", root)
	cmd.Env = append(os.Environ(), "ARENA_NODE_MODULES="+modules, "NO_UPDATE_NOTIFIER=1")
	procutil.NewGroup(cmd) // so cleanup can reach workerd too
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := procutil.Start(cmd); err != nil {
		t.Fatalf("starting the Worker under Miniflare: %v", err)
	}
	exited := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "Ready on ") {
				ready <- sc.Text()
			}
		}
	}()
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		procutil.TerminatePID(cmd.Process.Pid)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("the Miniflare Worker did not stop within 10 s of SIGTERM; killing its group")
			procutil.KillGroup(cmd.Process.Pid)
			<-exited
		}
		procutil.KillGroup(cmd.Process.Pid) // workerd, should it have outlived node
	})
	select {
	case <-ready:
	case err := <-exited:
		t.Fatalf("the Miniflare Worker exited before it was ready (%v): %s", err, stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the Miniflare Worker was not ready within 60 s: %s", stderr.String())
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}
