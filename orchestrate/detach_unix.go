//go:build unix

package orchestrate

import (
	"os/exec"
	"syscall"
)

// detach starts cmd in a session of its own: no terminal, so it survives the
// shell that ran arena-dev and its Ctrl-C; as session leader it also leads its
// own process group, which the stop ladder signals. (Nothing else is set: no
// death signal, which would end it with us.)
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} }
