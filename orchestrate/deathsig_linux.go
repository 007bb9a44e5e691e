package orchestrate

import "syscall"

// setDeathSignal asks the kernel to SIGKILL the child if arena-dev dies. It reaches
// only the group leader (workerd would survive a node killed alone); the run file's
// ReapSurvivors covers the rest on the next start.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
