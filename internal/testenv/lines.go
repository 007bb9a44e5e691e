package testenv

import (
	"regexp"
	"strings"
	"testing"
)

// CheckWholeLines asserts every line is "[name]<pad> name-... y*|" and counts them.
func CheckWholeLines(t testing.TB, out string, want map[string]int) {
	t.Helper()
	re := regexp.MustCompile(`^\[(\w+)\] +(\w+)[- ](?:\S+ )+y*x*\|$`)
	got := map[string]int{}
	for _, ln := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := re.FindStringSubmatch(ln)
		if m == nil || m[1] != m[2] {
			if strings.HasSuffix(ln, " done") || strings.Contains(ln, "tail-without-newline") {
				continue
			}
			t.Fatalf("torn or interleaved line: %q", ln)
		}
		got[m[1]]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d whole lines, want %d", k, got[k], n)
		}
	}
}
