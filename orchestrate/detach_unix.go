//go:build unix

package orchestrate

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a session of its own: no terminal, so it survives the
// shell that ran arena-dev and its Ctrl-C; as session leader it also leads its
// own process group, which the stop ladder signals.
func detach(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setsid = true
}
