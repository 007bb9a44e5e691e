//go:build unix

package orchestrate

import (
	"os"
	"syscall"
)

// childSignals wake the tree watch: a child of ours (maybe an adoptee) exited.
var childSignals = []os.Signal{syscall.SIGCHLD}
