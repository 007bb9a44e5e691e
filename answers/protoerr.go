package answers

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
)

// net/http answers a few malformed requests itself, before any handler runs (a bad
// %-escape in the path, oversized headers, an unknown transfer encoding, a missing
// Host), writing a text/plain response straight to the connection in one Write
// with exactly these headers. jsonErrorConn recognises that write and sends the
// API's JSON error shape instead, so clients parse every error the same way.
const goErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return jsonErrorConn{c}, nil
}

type jsonErrorConn struct{ net.Conn }

func (c jsonErrorConn) Write(p []byte) (int, error) {
	if out, ok := rewriteGoError(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite keeps net/http's half-close after a 431 (so the client reads the
// answer before the reset), which it does only on conns that have the method.
func (c jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// rewriteGoError turns net/http's own "HTTP/1.1 4xx/5xx ...text/plain..." response
// into the JSON error shape; ok is false for anything else (every normal response).
func rewriteGoError(p []byte) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if len(p) < len(proto)+3 || p[len(proto)] < '4' || !bytes.HasPrefix(p, []byte(proto)) {
		return nil, false
	}
	end := bytes.Index(p, []byte(goErrorHeaders))
	if end < 0 || bytes.IndexByte(p[:end], '\n') >= 0 {
		return nil, false
	}
	status, err := strconv.Atoi(string(p[len(proto) : len(proto)+3]))
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	e := protocolError(status, string(p[end+len(goErrorHeaders):]))
	body := encodeError(e)
	var b bytes.Buffer
	b.WriteString(proto + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
	b.Write(body)
	return b.Bytes(), true
}

// protocolError names what net/http refused; text is its plain-text body.
func protocolError(status int, text string) *Error {
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		return errf(status, "headers_too_large", "the request headers are over the server's limit")
	case http.StatusNotImplemented:
		return errf(status, "unsupported_transfer_encoding", "the request's Transfer-Encoding is not supported")
	}
	if text == "400 Bad Request" {
		text = "the request line or headers are not valid HTTP (for example a malformed %-escape such as %zz in the path)"
	}
	return errf(status, "bad_request", "%s", text)
}
