package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// waitHTTP polls url until it answers 200 or the deadline passes.
func waitHTTP(t *testing.T, url string, exited <-chan error, logs fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			t.Fatalf("arena-dev exited before serving (%v): %s", err, logs)
		default:
		}
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not a readiness guess
	}
	t.Fatalf("%s did not answer 200 within 30 s: %s", url, logs)
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// startServe runs `arena-dev --log-format json serve --port FREE ARGS...` until
// the test ends (then SIGTERM), once it answers /healthz; it returns the base URL
// and the logs.
func startServe(t *testing.T, args ...string) (string, *testenv.SyncBuffer) {
	t.Helper()
	port := testenv.FreePort(t)
	cmd := exec.Command(testenv.ArenaDev(t), append([]string{"--log-format", "json", "serve", "--port", fmt.Sprint(port)}, args...)...)
	logs := &testenv.SyncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/healthz", exited, logs)
	return base, logs
}

// serve seeds an empty namespace, serves the API, keeps data across restarts, and
// stops with exit status 0 on SIGTERM and on SIGINT.
func TestServeSeedsServesAndStops(t *testing.T) {
	bin := testenv.ArenaDev(t)
	state := t.TempDir()
	for round, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		port := testenv.FreePort(t)
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		cmd := exec.Command(bin, "--log-format", "json", "serve", "--port", fmt.Sprint(port), "--persist-to", state)
		logs := &testenv.SyncBuffer{}
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		waitHTTP(t, base+"/healthz", exited, logs)

		var all map[string][]map[string]any
		getJSON(t, base+"/answers", &all)
		if n := len(all["grape"]); n < 50 {
			t.Errorf("round %d: %d grapes served; want the seeded set", round, n)
		}
		if round == 0 {
			res, err := http.Post(base+"/answers/grape", "application/json", strings.NewReader(`{"label": "Ribolla Gialla"}`))
			if err != nil || res.StatusCode != 201 {
				t.Fatalf("POST: %v %v", res, err)
			}
			res.Body.Close()
			if !strings.Contains(logs.String(), "seeded categories that did not exist") {
				t.Errorf("first start did not log its seeding: %s", logs)
			}
		} else {
			found := false
			for _, e := range all["grape"] {
				found = found || e["id"] == "ribolla-gialla"
			}
			if !found {
				t.Errorf("the custom answer did not survive a restart")
			}
			if strings.Contains(logs.String(), "seeded categories") {
				t.Errorf("a restart seeded again: %s", logs)
			}
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("round %d: exit after %v: %v; logs %s", round, sig, err, logs)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("arena-dev serve did not stop within 10 s of %v", sig)
		}
		if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			conn.Close()
			t.Errorf("port %d still open after exit", port)
		}
	}
}

func TestServeUsageErrors(t *testing.T) {
	bin := testenv.ArenaDev(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	port := taken.Addr().(*net.TCPAddr).Port
	tests := []struct {
		args     []string
		exit     int
		contains string
	}{
		{[]string{"serve", "--port", fmt.Sprint(port)}, 1, fmt.Sprintf("port %d is already in use", port)},
		{[]string{"serve", "--port", "70000"}, 2, "--port 70000"},
		{[]string{"serve", "extra"}, 2, "no arguments"},
		{[]string{"serve", "--token", "too-short"}, 2, "--token (or ARENA_DEV_TOKEN): want at least 32 characters"},
		{[]string{"serve", "--kv-limits", "paid"}, 2, `--kv-limits "paid": want off (the default), production`},
	}
	for _, tc := range tests {
		cmd := exec.Command(bin, append(tc.args, "--persist-to", t.TempDir())...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != tc.exit || !strings.Contains(stderr.String(), tc.contains) {
			t.Errorf("arena-dev %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.exit, tc.contains)
		}
	}
}

// --host 0.0.0.0 logs a warning that every interface is exposed, and the token
// (--token here) with the URL that sets it as the dashboard's cookie; Host
// headers are limited to loopback names plus --allow-host (a compose service name
// here).
func TestServeAllInterfacesWarnsAndChecksHost(t *testing.T) {
	const token = "serve-test-token-0123456789abcdef"
	base, logs := startServe(t, "--host", "0.0.0.0", "--allow-host", "answers", "--no-seed", "--persist-to", t.TempDir(), "--token", token)
	port := strings.TrimPrefix(base, "http://127.0.0.1:")
	if !strings.Contains(logs.String(), `"level":"warn"`) || !strings.Contains(logs.String(), "every network interface") {
		t.Errorf("no warning about binding every interface: %s", logs)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("http://127.0.0.1:%s/_arena/?token=%s", port, token)) {
		t.Errorf("serve --host 0.0.0.0 does not log the token's dashboard URL: %s", logs)
	}
	for host, want := range map[string]int{"answers:8787": 200, "localhost": 200, "evil.example": 421} {
		req, _ := http.NewRequest("GET", base+"/answers/color", nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, res.StatusCode, want)
		}
	}
}
