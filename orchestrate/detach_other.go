//go:build !unix

package orchestrate

import "os/exec"

// detach needs nothing more where there are no sessions: a child started
// without a death signal already outlives arena-dev.
func detach(*exec.Cmd) {}
