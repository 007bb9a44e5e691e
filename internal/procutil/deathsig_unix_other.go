//go:build unix && !linux

package procutil

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {} // Pdeathsig is Linux only
