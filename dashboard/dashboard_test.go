package dashboard_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
)

const nsID = "wine-answers-ns"

// serve runs the dashboard over a real emulator store at a temp root, with one
// namespace holding a few keys; Next answers "next" so delegation shows.
func serve(t *testing.T) (string, *emulator.Store) {
	t.Helper()
	st, err := emulator.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ns, err := st.Namespace(nsID)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"answers:color": `[{"id":"red","label":"Red"}]`, "note": "plain text", "bin": "\x00\x01\xff"} {
		if _, err := ns.Put(k, []byte(v), emulator.PutOptions{Metadata: json.RawMessage(`{"by":"test"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "next") })
	srv := httptest.NewServer(dashboard.New(dashboard.Options{Store: st, Namespace: nsID, KnownNamespaces: []string{"other-ns"}, Next: next}))
	t.Cleanup(srv.Close)
	return srv.URL, st
}

func do(t *testing.T, method, url, body string, hdr ...string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// The page and its assets: a strict CSP, no inline script, nothing from another
// origin, and small.
func TestPageIsSelfContained(t *testing.T) {
	base, _ := serve(t)
	code, html, h := do(t, "GET", base+"/_arena/", "")
	if code != 200 || !strings.Contains(h.Get("Content-Security-Policy"), "script-src 'self'") || h.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("GET /_arena/: %d %v", code, h)
	}
	if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") || strings.Contains(html, "<script>") || strings.Contains(html, " style=") {
		t.Error("inline script or style in the page")
	}
	for _, a := range []string{"app.js", "util.js", "services.js", "logs.js", "answers.js", "kv.js", "usage.js", "app.css"} {
		code, body, h := do(t, "GET", base+"/_arena/assets/"+a, "")
		if code != 200 || h.Get("ETag") == "" {
			t.Errorf("%s: %d", a, code)
		}
		for _, bad := range []string{"http://", "https://", "innerHTML", "eval("} {
			if strings.Contains(body, bad) {
				t.Errorf("%s contains %q", a, bad)
			}
		}
		if code, _, _ := do(t, "GET", base+"/_arena/assets/"+a, "", "If-None-Match", h.Get("ETag")); code != 304 {
			t.Errorf("%s revalidated: %d", a, code)
		}
	}
	if n := dashboard.AssetBytes(); n > 100_000 {
		t.Errorf("the embedded page is %d bytes", n)
	}
	if code, _, _ := do(t, "GET", base+"/_arena/assets/nope.js", ""); code != 404 {
		t.Errorf("a missing asset: %d", code)
	}
	if code, body, _ := do(t, "GET", base+"/_arena/usage", ""); code != 200 || body != "next" {
		t.Errorf("/_arena/usage did not reach Next: %d %q", code, body)
	}
}

// Host and Origin: a foreign Host is refused even for reads, a foreign Origin for
// changes, and neither changes anything.
func TestGuard(t *testing.T) {
	base, st := serve(t)
	value := base + "/_arena/kv/value?ns=" + nsID + "&key=note"
	for _, c := range []struct {
		method string
		hdr    []string
	}{
		{"GET", []string{"Host", "evil.example"}},
		{"PUT", []string{"Host", "evil.example", "Content-Type", "application/json"}},
		{"PUT", []string{"Origin", "http://evil.example", "Content-Type", "application/json"}},
		{"DELETE", []string{"Origin", "http://evil.example"}},
		{"DELETE", []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		if code, body, _ := do(t, c.method, value, `{"value":"changed"}`, c.hdr...); code != 403 {
			t.Errorf("%s %v: %d %s", c.method, c.hdr, code, body)
		}
	}
	ns, _ := st.Namespace(nsID)
	if v, err := ns.Get("note"); err != nil || string(v) != "plain text" {
		t.Fatalf("note after refused changes: %q %v", v, err)
	}
	host := strings.TrimPrefix(base, "http://")
	if code, body, _ := do(t, "PUT", value, `{"value":"changed"}`, "Origin", base, "Content-Type", "application/json", "Host", host); code != 200 {
		t.Fatalf("a same-origin change: %d %s", code, body)
	}
}

func TestKVBrowse(t *testing.T) {
	base, st := serve(t)
	var nss struct {
		Namespaces []dashboard.Namespace `json:"namespaces"`
	}
	code, body, _ := do(t, "GET", base+"/_arena/kv/namespaces", "")
	if err := json.Unmarshal([]byte(body), &nss); code != 200 || err != nil || len(nss.Namespaces) != 2 ||
		!nss.Namespaces[0].Exists || !nss.Namespaces[0].Answers || nss.Namespaces[1].Exists {
		t.Fatalf("namespaces: %d %s", code, body)
	}
	// Paging through the emulator's cursor, with a prefix.
	var page emulator.ListResult
	_, body, _ = do(t, "GET", base+"/_arena/kv/keys?ns="+nsID+"&limit=2", "")
	if json.Unmarshal([]byte(body), &page); len(page.Keys) != 2 || page.ListComplete || page.Keys[0].Name != "answers:color" {
		t.Fatalf("page 1: %s", body)
	}
	_, body, _ = do(t, "GET", base+"/_arena/kv/keys?ns="+nsID+"&limit=2&cursor="+page.Cursor, "")
	if json.Unmarshal([]byte(body), &page); len(page.Keys) != 1 || !page.ListComplete || page.Keys[0].Name != "note" {
		t.Fatalf("page 2: %s", body)
	}
	_, body, _ = do(t, "GET", base+"/_arena/kv/keys?ns="+nsID+"&prefix=answers:", "")
	if json.Unmarshal([]byte(body), &page); len(page.Keys) != 1 {
		t.Fatalf("prefix: %s", body)
	}
	// Values: pretty JSON, text, hex; with metadata.
	for key, want := range map[string][2]string{"answers:color": {"json", "[\n  {\n    \"id\": \"red\""}, "note": {"text", "plain text"}, "bin": {"hex", "0001ff"}} {
		var v dashboard.Value
		_, body, _ := do(t, "GET", base+"/_arena/kv/value?ns="+nsID+"&key="+key, "")
		if json.Unmarshal([]byte(body), &v); v.Encoding != want[0] || !strings.HasPrefix(v.Value, want[1]) || string(v.Metadata) != `{"by":"test"}` {
			t.Errorf("%s: %s", key, body)
		}
	}
	if code, body, _ := do(t, "GET", base+"/_arena/kv/value?ns="+nsID+"&key=missing", ""); code != 404 {
		t.Errorf("a missing key: %d %s", code, body)
	}
	// An unknown namespace is refused, and looking does not create it.
	if code, body, _ := do(t, "GET", base+"/_arena/kv/keys?ns=other-ns", ""); code != 404 || !strings.Contains(body, "no namespace") {
		t.Errorf("unknown namespace: %d %s", code, body)
	}
	if _, err := os.Stat(emulator.DatabasePath(st.Root(), "other-ns")); err == nil {
		t.Error("browsing created the namespace's database")
	}
}

func TestKVWrite(t *testing.T) {
	base, st := serve(t)
	ns, _ := st.Namespace(nsID)
	url := base + "/_arena/kv/value?ns=" + nsID + "&key="
	js := []string{"Content-Type", "application/json"}
	if code, body, _ := do(t, "PUT", url+"k", `{"value":"00ff","encoding":"hex","metadata":{"a":1},"expiration_ttl":3600}`, js...); code != 200 {
		t.Fatalf("put: %d %s", code, body)
	}
	e, err := ns.GetWithMetadata("k")
	if err != nil || string(e.Value) != "\x00\xff" || string(e.Metadata) != `{"a":1}` || e.Expiration == 0 {
		t.Fatalf("after put: %+v %v", e, err)
	}
	// The emulator's own messages.
	if code, body, _ := do(t, "PUT", url+"k", `{"value":"x","expiration_ttl":59}`, js...); code != 400 || !strings.Contains(body, "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.") {
		t.Errorf("ttl 59: %d %s", code, body)
	}
	if code, body, _ := do(t, "PUT", url+strings.Repeat("k", 513), `{"value":"x"}`, js...); code != 414 || !strings.Contains(body, "exceeds key length limit of 512") {
		t.Errorf("long key: %d %s", code, body)
	}
	if code, _, _ := do(t, "PUT", url+"k", `{"value":"x"}`); code != 415 {
		t.Errorf("a put that is not JSON: %d", code)
	}
	if code, _, _ := do(t, "DELETE", url+"k", ""); code != 204 {
		t.Errorf("delete: %d", code)
	}
	if _, err := ns.Get("k"); err == nil {
		t.Error("k still there after delete")
	}
}

func TestQuiet(t *testing.T) {
	for _, c := range []struct {
		method, path string
		quiet        bool
	}{{"GET", "/_arena/", true}, {"GET", "/_arena/api/events", true}, {"PUT", "/_arena/kv/value", false}, {"GET", "/answers", false}} {
		if got := dashboard.Quiet(httptest.NewRequest(c.method, c.path, nil)); got != c.quiet {
			t.Errorf("Quiet(%s %s) = %v", c.method, c.path, got)
		}
	}
}
