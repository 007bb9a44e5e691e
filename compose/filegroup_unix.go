//go:build unix

package compose

import (
	"os"
	"strconv"
	"syscall"
)

// fileGroup is the group id owning a file, "" when unknown.
func fileGroup(st os.FileInfo) string {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return strconv.Itoa(int(sys.Gid))
	}
	return ""
}
