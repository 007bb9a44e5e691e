package orchestrate

import (
	"os"
	"testing"
)

// soakCount is n in make test and soak under make soak (ARENA_DEV_SOAK=1): the
// same test, bounded for CI, at full counts for the figures in docs/trust.md.
func soakCount(n, soak int) int {
	if os.Getenv("ARENA_DEV_SOAK") != "" {
		return soak
	}
	return n
}

// figure logs one line that make soak copies into docs/trust.md.
func figure(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("FIGURE "+format, args...)
}
