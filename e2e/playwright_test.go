//go:build unix

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// TestPlaywrightSuite runs the example app's own Playwright suite
// (examples/sommelier-arena/e2e) with two workers: two arena-dev stacks at once,
// each started by the suite's worker-scoped fixture with `up --wait --ephemeral
// --ports auto --name ... --json`, in Debian's Chromium.
func TestPlaywrightSuite(t *testing.T) {
	dir := testenv.ExampleCopy(t)
	pw := filepath.Join(dir, "node_modules", ".bin", "playwright")
	testenv.RequireFile(t, pw)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pw, "test", "--config", "e2e/playwright.config.mjs", "--workers", "2")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ARENA_DEV_BIN="+testenv.ArenaDev(t), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1",
		"NO_COLOR=1", "FORCE_COLOR=0")
	out, err := cmd.CombinedOutput()
	t.Logf("playwright test --workers 2:\n%s", out)
	if err != nil {
		// What each failed test's pages showed (Playwright's page snapshots).
		ctxs, _ := filepath.Glob(filepath.Join(dir, "test-results", "*", "error-context.md"))
		for _, f := range ctxs {
			b, _ := os.ReadFile(f)
			t.Logf("--- %s\n%s", f, b)
		}
		t.Fatalf("the Playwright suite failed: %v", err)
	}
	m := regexp.MustCompile(`(\d+) passed`).FindSubmatch(out)
	if m == nil || string(m[1]) != "4" {
		t.Fatalf("want 4 passed tests, got %q", m)
	}
	if regexp.MustCompile(`\d+ (failed|skipped|flaky)`).Match(out) {
		t.Fatal("some tests failed, were skipped or were flaky")
	}
}
