//go:build unix && !linux

package orchestrate

import "syscall"

func setDeathSignal(*syscall.SysProcAttr) {} // Pdeathsig is Linux only
