package parity

import (
	"fmt"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// CopyNamespace copies every key of namespace ns (value, expiration, metadata)
// from the state under srcRoot to a new state under dstRoot, through the emulator:
// a consistent copy even while a running stack writes, in Miniflare's own format,
// which both implementations read.
func CopyNamespace(srcRoot, dstRoot, ns string) (int, error) {
	from, err := emulator.OpenNamespace(srcRoot, ns)
	if err != nil {
		return 0, err
	}
	defer from.Close()
	to, err := emulator.OpenNamespace(dstRoot, ns)
	if err != nil {
		return 0, err
	}
	defer to.Close()
	n := 0
	for e, err := range from.Entries("") {
		if err != nil {
			return n, fmt.Errorf("copying: %w", err)
		}
		if _, err := to.Put(e.Key, e.Value, emulator.PutOptions{Expiration: e.Expiration, Metadata: e.Metadata}); err != nil {
			return n, fmt.Errorf("copying %q: %w", e.Key, err)
		}
		n++
	}
	return n, nil
}
