package emulator

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// miniflare is a running Miniflare 3 (real workerd) with one KV namespace bound,
// driven through emulator/testdata/miniflare-kv.mjs.
type miniflare struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
}

func startMiniflare(t *testing.T, root, namespace string) *miniflare {
	t.Helper()
	testenv.Miniflare3(t)
	script := filepath.Join(testenv.RepoRoot(t), "emulator", "testdata", "miniflare-kv.mjs")
	cmd := exec.Command(testenv.Node20(t), script, root, namespace, strconv.Itoa(testenv.FreePort(t)))
	cmd.Dir = testenv.NodeDir(t)
	cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1", "MINIFLARE_DISABLE_TELEMETRY=1")
	cmd.Stderr = testWriter{t}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &miniflare{t: t, cmd: cmd, in: in, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			m.lines <- sc.Text()
		}
		close(m.lines)
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var ready struct{ Ready bool }
	m.read(&ready, 120*time.Second) // bounds only a failure; a loaded 2-core machine took over 60 s
	if !ready.Ready {
		t.Fatal("miniflare did not report ready")
	}
	return m
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Logf("miniflare: %s", p); return len(p), nil }

func (m *miniflare) read(into any, timeout time.Duration) {
	m.t.Helper()
	select {
	case line, ok := <-m.lines:
		if !ok {
			m.t.Fatal("miniflare exited")
		}
		if err := json.Unmarshal([]byte(line), into); err != nil {
			m.t.Fatalf("miniflare said %q: %v", line, err)
		}
	case <-time.After(timeout):
		m.t.Fatal("no answer from miniflare")
	}
}

// call sends one command; a non-empty "error" in the answer is returned as a string.
func (m *miniflare) call(cmd map[string]any, into any) string {
	m.t.Helper()
	b, _ := json.Marshal(cmd)
	if _, err := m.in.Write(append(b, '\n')); err != nil {
		m.t.Fatalf("writing to miniflare: %v", err)
	}
	var raw json.RawMessage
	m.read(&raw, 90*time.Second) // bounds only a failure (see the ready wait)
	var e struct{ Error string }
	json.Unmarshal(raw, &e)
	if e.Error == "" && into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			m.t.Fatalf("decoding %s: %v", raw, err)
		}
	}
	return e.Error
}

func (m *miniflare) mustCall(cmd map[string]any, into any) {
	m.t.Helper()
	if e := m.call(cmd, into); e != "" {
		m.t.Fatalf("miniflare %v: %s", cmd["op"], e)
	}
}

// quit disposes Miniflare (workerd closes the database) and waits for the exit.
func (m *miniflare) quit() {
	m.t.Helper()
	m.mustCall(map[string]any{"op": "quit"}, nil)
	m.cmd.Wait()
}

func (m *miniflare) put(c kvCase) {
	m.t.Helper()
	cmd := map[string]any{"op": "put", "key": c.key}
	if c.binary {
		cmd["base64"] = c.value
	} else {
		cmd["value"] = string(c.value)
	}
	if c.metadata != nil {
		cmd["metadata"] = c.metadata
	}
	if c.expiration != 0 {
		cmd["expiration"] = c.expiration
	}
	if c.ttl != 0 {
		cmd["expirationTtl"] = c.ttl
	}
	m.mustCall(cmd, nil)
}

type mfGet struct {
	Found    bool
	Base64   []byte // encoding/json decodes base64 into []byte
	Metadata json.RawMessage
}

func (m *miniflare) get(key string) mfGet {
	m.t.Helper()
	var g mfGet
	m.mustCall(map[string]any{"op": "get", "key": key}, &g)
	return g
}

func (m *miniflare) listAll(prefix string, limit int) []ListResult {
	m.t.Helper()
	cmd := map[string]any{"op": "listAll", "prefix": prefix}
	if limit != 0 {
		cmd["limit"] = limit
	}
	var out struct{ Pages []ListResult }
	m.mustCall(cmd, &out)
	return out.Pages
}

func (c kvCase) String() string { return fmt.Sprintf("%q", c.key) }
