package procutil

import "bytes"

// lastValue is key's value among KEY=VALUE entries; the last one wins, as in a shell.
func lastValue(entries [][]byte, key string) (string, bool) {
	prefix := []byte(key + "=")
	val, found := "", false
	for _, kv := range entries {
		if v, ok := bytes.CutPrefix(kv, prefix); ok {
			val, found = string(v), true
		}
	}
	return val, found
}
