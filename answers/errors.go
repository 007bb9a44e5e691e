package answers

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sommelier-arena/arena-dev/internal/httpjson"
)

// Error is an API error: an HTTP status and a stable machine-readable code, sent as
// {"error": {"code": ..., "message": ...}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// kindOf names a Go reflect kind the way a JSON user thinks of it.
func kindOf(kind string) string {
	switch kind {
	case "map", "struct":
		return "object"
	case "slice", "array":
		return "array"
	case "string":
		return "string"
	case "bool":
		return "boolean"
	}
	return kind
}

func writeError(w http.ResponseWriter, e *Error) {
	writeBody(w, e.Status, encodeError(e))
}

// encodeError is the JSON body of an API error.
func encodeError(e *Error) []byte {
	body, err := json.Marshal(map[string]*Error{"error": e})
	if err != nil {
		return []byte(`{"error":{"code":"internal","message":"encoding the response failed"}}`)
	}
	return body
}

// reply is the API's JSON as the Worker writes it: JSON.stringify's bytes, no
// newline after them (<, > and & escaped, as encoding/json does by default).
var reply = httpjson.Style{EscapeHTML: true, NoNewline: true}

func writeJSON(w http.ResponseWriter, status int, v any) { reply.Write(w, status, v) }

func writeBody(w http.ResponseWriter, status int, body []byte) { reply.WriteBody(w, status, body) }
