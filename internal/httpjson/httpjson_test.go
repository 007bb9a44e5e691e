package httpjson

import (
	"math"
	"net/http/httptest"
	"testing"
)

// TestStylesKeepEachWireFormat pins the bytes and headers of each style the HTTP
// surfaces use, so moving them onto this package changed nothing on the wire.
func TestStylesKeepEachWireFormat(t *testing.T) {
	v := map[string]any{"b": "<a&b>", "a": 1}
	cases := []struct {
		name   string
		write  func(*httptest.ResponseRecorder)
		status int
		ctype  string
		body   string
	}{
		{"plain (dashboard)", func(w *httptest.ResponseRecorder) { Write(w, 200, v) }, 200, ContentType, "{\"a\":1,\"b\":\"<a&b>\"}\n"},
		{"control's content type", func(w *httptest.ResponseRecorder) { Style{ContentType: "application/json"}.Write(w, 201, v) }, 201, "application/json", "{\"a\":1,\"b\":\"<a&b>\"}\n"},
		{"escaped (kvedge, snapshot)", func(w *httptest.ResponseRecorder) { Style{EscapeHTML: true}.Write(w, 200, v) }, 200, ContentType, "{\"a\":1,\"b\":\"\\u003ca\\u0026b\\u003e\"}\n"},
		{"the answers API's", func(w *httptest.ResponseRecorder) { Style{EscapeHTML: true, NoNewline: true}.Write(w, 200, v) }, 200, ContentType, "{\"a\":1,\"b\":\"\\u003ca\\u0026b\\u003e\"}"},
		{"unescaped without newline", func(w *httptest.ResponseRecorder) { Style{NoNewline: true}.Write(w, 200, v) }, 200, ContentType, "{\"a\":1,\"b\":\"<a&b>\"}"},
		{"error shape", func(w *httptest.ResponseRecorder) { Error(w, 404, "no_such_key", "no key k", nil) }, 404, ContentType, "{\"error\":{\"code\":\"no_such_key\",\"message\":\"no key k\"}}\n"},
		{"error with extra fields", func(w *httptest.ResponseRecorder) {
			Error(w, 409, "busy", "try later", map[string]any{"service": "web"})
		}, 409, ContentType, "{\"error\":{\"code\":\"busy\",\"message\":\"try later\",\"service\":\"web\"}}\n"},
		{"a value that cannot be encoded", func(w *httptest.ResponseRecorder) { Write(w, 200, math.Inf(1)) }, 500, ContentType, string(internalError) + "\n"},
		{"the same, answers style", func(w *httptest.ResponseRecorder) { Style{EscapeHTML: true, NoNewline: true}.Write(w, 200, math.NaN()) }, 500, ContentType, string(internalError)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.write(w)
			if w.Code != c.status || w.Header().Get("Content-Type") != c.ctype || w.Header().Get("Cache-Control") != "no-store" || w.Body.String() != c.body {
				t.Fatalf("got %d %q %q %q\nwant %d %q no-store %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"), w.Body.String(), c.status, c.ctype, c.body)
			}
		})
	}
}
