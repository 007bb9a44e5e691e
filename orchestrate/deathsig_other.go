//go:build !linux

package orchestrate

import "os/exec"

func startCmd(cmd *exec.Cmd) error { return cmd.Start() }
