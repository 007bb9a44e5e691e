package dashboard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/kvlimits"
)

// The KV browser's writes go through the state's KV limits: a second write or
// delete of a key within 1 s is production's 429, and stores nothing.
func TestKVBrowserWithLimits(t *testing.T) {
	root := t.TempDir()
	st, err := emulator.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Namespace(nsID); err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64 // the limiter's clock, moved by the test
	now.Store(time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC).UnixNano())
	lim, err := kvlimits.Start(root, kvlimits.Production, kvlimits.Options{Now: func() time.Time { return time.Unix(0, now.Load()) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lim.Close() })
	lim.Arm()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "next") })
	srv := httptest.NewServer(dashboard.New(dashboard.Options{Store: st, Namespace: nsID, Next: next, Limits: lim}))
	t.Cleanup(srv.Close)
	js := []string{"Origin", srv.URL, "Content-Type", "application/json"}
	url := srv.URL + "/_arena/kv/value?ns=" + nsID + "&key=k"
	for _, tc := range []struct {
		method, body string
		after        time.Duration
		code         int
		want         string
		value        string // what the key holds afterwards
	}{
		{"PUT", `{"value":"one"}`, 0, 200, "", "one"},
		{"PUT", `{"value":"two"}`, 999 * time.Millisecond, 429, "KV PUT failed: 429 Too Many Requests", "one"},
		{"DELETE", "", 0, 429, "KV DELETE failed: 429 Too Many Requests", "one"},
		{"PUT", `{"value":"three"}`, time.Millisecond, 200, "", "three"},
	} {
		now.Add(int64(tc.after))
		code, body, _ := do(t, tc.method, url, tc.body, js...)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Fatalf("%s %s: %d %s, want %d %q", tc.method, tc.body, code, body, tc.code, tc.want)
		}
		if _, got, _ := do(t, "GET", url, ""); !strings.Contains(got, `"`+tc.value+`"`) {
			t.Fatalf("after %s %s the key is %s, want %q", tc.method, tc.body, got, tc.value)
		}
	}
}
