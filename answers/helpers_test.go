package answers_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// namespaceID is the reference Worker's (wrangler.toml): both sides share its files.
const namespaceID = "wine-answers-ns"

// openNamespace opens the real emulator at root (closed when the test ends).
func openNamespace(t testing.TB, root string) *emulator.Namespace {
	t.Helper()
	st, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ns, err := st.Namespace(namespaceID)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// serveHTTP serves h on a loopback port until the test ends, checking that Serve
// returns nil (a clean shutdown). It returns the base URL.
func serveHTTP(t testing.TB, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- answers.Serve(ctx, ln, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after cancel, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return within 10 s of cancel")
		}
	})
	return "http://" + ln.Addr().String()
}

// startArenaDev serves the API over the real emulator at root; logs go to the buffer.
func startArenaDev(t testing.TB, root string, o answers.Options) (string, *testenv.SyncBuffer) {
	t.Helper()
	logs := &testenv.SyncBuffer{}
	o.Logger = zerolog.New(logs)
	return serveHTTP(t, answers.New(openNamespace(t, root), o)), logs
}

func httpDo(t testing.TB, method, url, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	var rd *strings.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	var err error
	if rd != nil {
		req, err = http.NewRequest(method, url, rd)
	} else {
		req, err = http.NewRequest(method, url, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(res.Body); err != nil && !errors.Is(err, http.ErrBodyReadAfterClose) {
		t.Fatal(err)
	}
	return res, b.String()
}

var httpClient = &http.Client{Timeout: 10 * time.Second}
