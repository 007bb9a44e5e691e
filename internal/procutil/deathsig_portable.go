//go:build unix && (!linux || arena_portable)

package procutil

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {} // Pdeathsig is Linux only
