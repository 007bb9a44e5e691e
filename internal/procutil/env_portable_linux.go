//go:build arena_portable

package procutil

import (
	"strconv"
	"strings"
)

// EnvValue reads the environment the way the portable build reads everything
// else, through ps: procps's `e` appends it to the command line. A value with a
// space in it would be cut there; the one read here (OwnerEnv) has none.
func EnvValue(pid int, key string) (string, bool) {
	if pid <= 0 {
		return "", false
	}
	return lastValue(bytesFields(string(ps("eww", "-o", "args=", "-p", strconv.Itoa(pid)))), key)
}

func bytesFields(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}
