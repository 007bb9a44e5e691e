package control

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/runstate"
)

// SocketName is the control socket in the run directory.
const SocketName = "control.sock"

// maxSocketPath: a Unix socket path longer than sun_path (108 bytes on Linux,
// 104 on macOS) cannot be bound; deep temporary directories reach that.
const maxSocketPath = 100

// Listen opens the control API's listener for a run directory: the Unix socket
// there with mode 0600, or, where its path is too long for a socket, a loopback
// port guarded by a random token. The endpoint goes into the run file.
func Listen(runDir string) (net.Listener, *runstate.ControlEndpoint, error) {
	path := filepath.Join(runDir, SocketName)
	if socketsUsable && len(path) <= maxSocketPath {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("removing a stale control socket: %w", err)
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, nil, fmt.Errorf("control socket %s: %w", path, err)
		}
		// Between bind and chmod the socket has the umask's mode; the run
		// directory is the caller's, and nothing is served before this returns.
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			return nil, nil, err
		}
		return ln, &runstate.ControlEndpoint{Socket: path}, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		ln.Close()
		return nil, nil, err
	}
	return ln, &runstate.ControlEndpoint{URL: "http://" + ln.Addr().String(), Token: hex.EncodeToString(b)}, nil
}

// RequireToken admits only requests that carry the endpoint's token (the
// loopback fallback; a socket's file mode does that job otherwise).
func RequireToken(h http.Handler, ep *runstate.ControlEndpoint) http.Handler {
	if ep.Token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+ep.Token {
			writeError(w, http.StatusUnauthorized, "token_required", "the control API wants the token from the run file", nil)
			return
		}
		h.ServeHTTP(w, r)
	})
}
