//go:build unix && (!linux || arena_portable)

package procutil

import "os/exec"

func Start(cmd *exec.Cmd) error { return cmd.Start() }
