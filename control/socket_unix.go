//go:build unix

package control

// socketsUsable: a Unix socket with mode 0600 is the control endpoint.
const socketsUsable = true
