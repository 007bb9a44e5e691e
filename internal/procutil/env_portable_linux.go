//go:build arena_portable

package procutil

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// EnvValue reads the environment the way the portable build reads everything
// else, through ps: procps's `e` appends it to the command line. A value with a
// space in it would be cut there; the one read here (OwnerEnv) has none. A scan
// asks for many processes at once, and one ps of the whole table costs what one
// of a single process does, so the table is read once and kept for envFresh.
func EnvValue(pid int, key string) (string, bool) {
	if pid <= 0 {
		return "", false
	}
	return lastValue(envTable()[pid], key)
}

const envFresh = 250 * time.Millisecond

var envCache struct {
	sync.Mutex
	at    time.Time
	table map[int][][]byte
}

func envTable() map[int][][]byte {
	envCache.Lock()
	defer envCache.Unlock()
	if envCache.table != nil && time.Since(envCache.at) < envFresh {
		return envCache.table
	}
	table := map[int][][]byte{}
	for line := range strings.Lines(string(ps("-A", "eww", "-o", "pid=,args="))) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		pid, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		for _, w := range f[1:] {
			table[pid] = append(table[pid], []byte(w))
		}
	}
	envCache.table, envCache.at = table, time.Now()
	return table
}
