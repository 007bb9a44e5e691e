package emulator

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// encodeCursor is Miniflare's list cursor: standard, padded base64 of the page's
// last key (UTF-8).
func encodeCursor(lastKey string) string {
	return base64.StdEncoding.EncodeToString([]byte(lastKey))
}

// decodeCursor mirrors Node's Buffer.from(c, "base64").toString("utf8"): it accepts
// standard and URL-safe alphabets, with or without padding, skips characters
// outside the alphabet, ignores everything from the first "=" on, and turns invalid
// UTF-8 into U+FFFD. It never fails, like Miniflare.
func decodeCursor(c string) string {
	var b strings.Builder
	for i := 0; i < len(c); i++ {
		ch := c[i]
		switch {
		case ch == '=':
			i = len(c)
		case ch == '-':
			b.WriteByte('+')
		case ch == '_':
			b.WriteByte('/')
		case ch >= 'A' && ch <= 'Z', ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '+', ch == '/':
			b.WriteByte(ch)
		}
	}
	s := b.String()
	if len(s)%4 == 1 { // a lone trailing sextet carries no whole byte
		s = s[:len(s)-1]
	}
	raw, err := base64.RawStdEncoding.DecodeString(s) // non-strict: stray trailing bits are ignored, as in Node
	if err != nil {
		return ""
	}
	out := string(raw)
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out
}
