//go:build !linux

package procutil

import "os/exec"

func Start(cmd *exec.Cmd) error { return cmd.Start() }
