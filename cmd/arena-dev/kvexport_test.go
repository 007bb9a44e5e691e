package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// mfSession is a real Miniflare 3 (workerd) on one state folder, driven through
// emulator/testdata/miniflare-kv.mjs (one JSON command per line).
type mfSession struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    *bufio.Writer
	inC   interface{ Close() error }
	lines chan string
}

func startMF(t *testing.T, root, ns string) *mfSession {
	t.Helper()
	testenv.Miniflare3(t)
	script := filepath.Join(testenv.RepoRoot(t), "emulator", "testdata", "miniflare-kv.mjs")
	cmd := exec.Command(testenv.Node20(t), script, root, ns, strconv.Itoa(testenv.FreePort(t)))
	cmd.Dir = testenv.NodeDir(t)
	cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1", "MINIFLARE_DISABLE_TELEMETRY=1")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m := &mfSession{t: t, cmd: cmd, in: bufio.NewWriter(in), inC: in, lines: make(chan string, 8)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			m.lines <- sc.Text()
		}
		close(m.lines)
	}()
	t.Cleanup(func() { in.Close(); cmd.Process.Kill(); cmd.Wait() })
	var ready struct{ Ready bool }
	if m.read(&ready, 60*time.Second); !ready.Ready {
		t.Fatalf("miniflare not ready; stderr:\n%s", stderr.String())
	}
	return m
}

func (m *mfSession) read(into any, timeout time.Duration) {
	m.t.Helper()
	select {
	case l, ok := <-m.lines:
		if !ok {
			m.t.Fatal("miniflare exited")
		}
		var e struct{ Error string }
		if json.Unmarshal([]byte(l), &e); e.Error != "" {
			m.t.Fatalf("miniflare: %s", e.Error)
		}
		if err := json.Unmarshal([]byte(l), into); err != nil {
			m.t.Fatalf("miniflare said %q: %v", l, err)
		}
	case <-time.After(timeout):
		m.t.Fatal("no answer from miniflare")
	}
}

func (m *mfSession) call(cmd map[string]any, into any) {
	m.t.Helper()
	b, _ := json.Marshal(cmd)
	m.in.Write(append(b, '\n'))
	m.in.Flush()
	if into == nil {
		into = &json.RawMessage{}
	}
	m.read(into, 30*time.Second)
}

func (m *mfSession) quit() {
	m.call(map[string]any{"op": "quit"}, nil)
	m.inC.Close()
	m.cmd.Wait()
}

type mfKey struct {
	Name       string
	Expiration int64
	Metadata   json.RawMessage
}

func (m *mfSession) keys() []mfKey {
	var out struct{ Pages []struct{ Keys []mfKey } }
	m.call(map[string]any{"op": "listAll"}, &out)
	var all []mfKey
	for _, p := range out.Pages {
		all = append(all, p.Keys...)
	}
	return all
}

type mfValue struct {
	Found    bool
	Base64   []byte
	Metadata json.RawMessage
}

func normJSON(r json.RawMessage) any {
	var v any
	json.Unmarshal(r, &v)
	return v
}

// Keys written by Miniflare (binary and text values, metadata, expirations) go
// out through `kv export`, back in through `seed --from` (and `kv bulk put` for
// a --prefix export) into a fresh state, and Miniflare reads that state back
// byte for byte, metadata and expirations included.
func TestExportImportRoundTripThroughMiniflare(t *testing.T) {
	const ns = "fixtures-ns"
	src, dst := t.TempDir(), t.TempDir()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	exp := time.Now().Unix() + 7200
	writes := []map[string]any{
		{"key": "answers:grape", "value": `[{"id":"syrah","label":"Syrah","custom":false,"createdAt":"2026-11-27T03:00:00Z"}]`},
		{"key": "bin:all-bytes", "base64": base64.StdEncoding.EncodeToString(all)},
		{"key": "bin:invalid-utf8", "base64": base64.StdEncoding.EncodeToString([]byte{'o', 'k', 0xff, 0xfe})},
		{"key": "meta", "value": "m", "metadata": map[string]any{"by": "suite", "n": []any{1, 2.5, "x"}}},
		{"key": "expires", "value": "e", "expiration": exp},
		{"key": "ttl", "value": "t", "expirationTtl": 3600, "metadata": "s"},
		{"key": "ünïcode 🍷", "value": "é"},
		{"key": "empty", "value": ""},
	}
	mf := startMF(t, src, ns)
	for _, w := range writes {
		w["op"] = "put"
		mf.call(w, nil)
	}
	wantKeys := mf.keys()
	wantValues := map[string]mfValue{}
	for _, k := range wantKeys {
		var v mfValue
		mf.call(map[string]any{"op": "get", "key": k.Name}, &v)
		wantValues[k.Name] = v
	}
	mf.quit()

	work := t.TempDir()
	out, errOut, code := runArenaDev(t, work, "kv", "export", "--namespace-id", ns, "--persist-to", src)
	if code != 0 {
		t.Fatalf("kv export: %d %s", code, errOut)
	}
	var items []map[string]any
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != len(writes) {
		t.Fatalf("export is not %d items: %v\n%s", len(writes), err, out)
	}
	for _, it := range items {
		isBin := strings.HasPrefix(it["key"].(string), "bin:")
		if (it["base64"] == true) != isBin {
			t.Errorf("%s: base64 %v; binary values (only) are base64", it["key"], it["base64"])
		}
	}
	if !strings.Contains(out, `"value": "[{\"id\":\"syrah\"`) {
		t.Errorf("a text value is not exported as readable text:\n%s", out)
	}
	file := filepath.Join(work, "fixtures.json")
	os.WriteFile(file, []byte(out), 0o644)
	if _, errOut, code := runArenaDev(t, work, "seed", "--from", file, "--namespace-id", ns, "--persist-to", dst); code != 0 {
		t.Fatalf("seed --from a bulk file: %d %s", code, errOut)
	}

	mf = startMF(t, dst, ns)
	gotKeys := mf.keys()
	if len(gotKeys) != len(wantKeys) {
		t.Fatalf("Miniflare lists %d keys after the round trip, want %d", len(gotKeys), len(wantKeys))
	}
	for i, k := range gotKeys {
		w := wantKeys[i]
		if k.Name != w.Name || k.Expiration != w.Expiration || !reflect.DeepEqual(normJSON(k.Metadata), normJSON(w.Metadata)) {
			t.Errorf("listed %+v, want %+v", k, w)
		}
		var v mfValue
		mf.call(map[string]any{"op": "get", "key": k.Name}, &v)
		if wv := wantValues[k.Name]; !v.Found || !bytes.Equal(v.Base64, wv.Base64) || !reflect.DeepEqual(normJSON(v.Metadata), normJSON(wv.Metadata)) {
			t.Errorf("Miniflare reads %q as %q (meta %s), want %q (meta %s)", k.Name, v.Base64, v.Metadata, wv.Base64, wv.Metadata)
		}
	}
	mf.quit()

	// --prefix exports only those keys, and `kv bulk put` takes the same file.
	out, _, code = runArenaDev(t, work, "kv", "export", "--prefix", "bin:", "--namespace-id", ns, "--persist-to", dst)
	if err := json.Unmarshal([]byte(out), &items); code != 0 || err != nil || len(items) != 2 {
		t.Fatalf("export --prefix bin: %d items, %v\n%s", len(items), err, out)
	}
	os.WriteFile(file, []byte(out), 0o644)
	third := t.TempDir()
	if _, errOut, code := runArenaDev(t, work, "kv", "bulk", "put", file, "--namespace-id", ns, "--persist-to", third); code != 0 {
		t.Fatalf("bulk put of an export: %s", errOut)
	}
	got, _, _ := runArenaDev(t, work, "kv", "key", "get", "bin:all-bytes", "--namespace-id", ns, "--persist-to", third)
	if got != string(all) {
		t.Fatalf("bin:all-bytes after bulk put of the export: %q", got)
	}
}

// A bulk file for seed --from is checked whole: one bad item writes nothing.
func TestSeedFromBadBulkFile(t *testing.T) {
	work, state := t.TempDir(), t.TempDir()
	file := filepath.Join(work, "f.json")
	os.WriteFile(file, []byte(`[{"key":"a","value":"1"},{"key":"b","value":"x","base64":true},{"value":"no key"}]`), 0o644)
	_, errOut, code := runArenaDev(t, work, "seed", "--from", file, "--namespace-id", "ns", "--persist-to", state)
	if code == 0 || !strings.Contains(errOut, "item 1") || !strings.Contains(errOut, "not valid base64") || !strings.Contains(errOut, "item 2") {
		t.Fatalf("seed --from a bad bulk file: %d %s", code, errOut)
	}
	if _, _, code := runArenaDev(t, work, "kv", "key", "get", "a", "--namespace-id", "ns", "--persist-to", state); code != 1 {
		t.Fatal("a bad bulk file wrote its good items")
	}
}
