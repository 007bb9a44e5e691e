package procutil

import (
	"bytes"
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// EnvValue is the value of key in the environment the process was started with,
// from sysctl kern.procargs2 (argc, the executable's path, argv, then the
// environment, each NUL-terminated); false when unset or unreadable.
func EnvValue(pid int, key string) (string, bool) {
	b, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(b) < 4 {
		return "", false
	}
	argc := int(binary.LittleEndian.Uint32(b[:4]))
	parts := bytes.Split(b[4:], []byte{0})
	i := 1 // past the executable's path
	for i < len(parts) && len(parts[i]) == 0 {
		i++ // its padding
	}
	return lastValue(parts[min(i+argc, len(parts)):], key)
}
