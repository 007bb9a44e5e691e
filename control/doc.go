// Package control is a running stack's control API: list the services, start,
// stop or restart one, and follow state changes and log lines as Server-Sent
// Events. `arena-dev up` serves it on a Unix socket in the run directory (mode
// 0600) and, for the dashboard, under /_arena/api/ on the answers port, where
// Guard admits only same-origin browser requests to loopback host names. The
// CLI's restart, stop, start, status and logs talk to it through Client.
// docs/control-api.md documents it.
package control
