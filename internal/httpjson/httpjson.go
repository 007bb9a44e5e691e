// Package httpjson writes arena-dev's JSON HTTP answers: a value, or an error in
// the answers API's shape {"error": {"code", "message", ...}}, with no-store
// caching. Every HTTP surface (answers, control, dashboard, kvedge, snapshot)
// answers through it; a Style keeps each one's wire format as its clients know it.
package httpjson

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// ContentType is the Content-Type of a JSON answer unless a Style says otherwise.
const ContentType = "application/json; charset=utf-8"

// internalError is the body sent when a value cannot be encoded.
var internalError = []byte(`{"error":{"code":"internal","message":"encoding the response failed"}}`)

// Style is how one HTTP surface writes JSON. The zero Style writes ContentType,
// strings as they are (no \u003c for <) and a newline after the value.
type Style struct {
	ContentType string // "" = ContentType
	EscapeHTML  bool   // write <, > and & as \u003c, \u003e and \u0026 (encoding/json's default)
	NoNewline   bool   // the body is the value alone, as JavaScript's JSON.stringify writes it
}

// Plain is the zero Style.
var Plain = Style{}

// Write answers status with v as JSON. A value that cannot be encoded becomes a
// 500 internal error instead of a half-written body.
func (s Style) Write(w http.ResponseWriter, status int, v any) {
	body, err := s.encode(v)
	if err != nil {
		status, body = http.StatusInternalServerError, s.terminate(internalError)
	}
	s.WriteBody(w, status, body)
}

// Error answers status with {"error": {"code": code, "message": msg, ...extra}}.
func (s Style) Error(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	e := make(map[string]any, 2+len(extra))
	for k, v := range extra {
		e[k] = v
	}
	e["code"], e["message"] = code, msg
	s.Write(w, status, map[string]any{"error": e})
}

// WriteBody answers status with body, already JSON, under the Style's headers.
func (s Style) WriteBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	if s.ContentType == "" {
		h["Content-Type"] = contentType // a shared slice: no allocation per answer
	} else {
		h.Set("Content-Type", s.ContentType)
	}
	h["Cache-Control"] = noStore
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client went away; nothing to do
}

var (
	contentType = []string{ContentType}
	noStore     = []string{"no-store"}
)

func (s Style) encode(v any) ([]byte, error) {
	if s.EscapeHTML && s.NoNewline {
		return json.Marshal(v) // the common fast path: no buffer to copy from
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(s.EscapeHTML)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	out := b.Bytes()
	if s.NoNewline {
		out = bytes.TrimSuffix(out, []byte{'\n'})
	}
	return out, nil
}

func (s Style) terminate(body []byte) []byte {
	if s.NoNewline {
		return body
	}
	return append(append([]byte(nil), body...), '\n')
}

// Write answers status with v as JSON in the Plain style.
func Write(w http.ResponseWriter, status int, v any) { Plain.Write(w, status, v) }

// Error answers status with an error in the Plain style.
func Error(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	Plain.Error(w, status, code, msg, extra)
}
