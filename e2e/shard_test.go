//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// ciBlock is the sh block after the marker <!-- ci:NAME --> in docs/ci.md: the
// test runs the recipe's own text, so the documented steps are the tested ones.
func ciBlock(t *testing.T, name string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- ci:" + name + " -->\n```sh\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatalf("docs/ci.md has no sh block after <!-- ci:%s -->", name)
	}
	return string(m[1])
}

// TestShardedSuite runs the shell part of docs/ci.md's sharding recipe: two
// shards, each in its own checkout (as on two runners) where the suite's
// fixture starts that shard's own stack, then the merge of their blob reports.
// Both shards pass, and the merged report holds every test of the suite once,
// all passed.
func TestShardedSuite(t *testing.T) {
	shardStep, mergeStep := ciBlock(t, "shard"), ciBlock(t, "merge")
	bin := testenv.ArenaDev(t)
	const shards = 2
	dirs := make([]string, shards)
	for i := range dirs {
		dirs[i] = testenv.ExampleCopy(t)
		testenv.RequireFile(t, filepath.Join(dirs[i], "node_modules", ".bin", "playwright"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sh := func(dir, script string, env ...string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "sh", "-eu", "-c", script)
		cmd.Dir = dir
		// npx finds the checkout's own node_modules/.bin first: nothing is fetched.
		cmd.Env = append(os.Environ(), append([]string{"ARENA_DEV_BIN=" + bin, "NO_COLOR=1", "FORCE_COLOR=0",
			"PATH=" + filepath.Join(dir, "node_modules", ".bin") + string(os.PathListSeparator) + os.Getenv("PATH")}, env...)...)
		return cmd
	}
	// One after the other: on CI each shard has a runner to itself, which on this
	// shared two-core machine means not starting two stacks and two browsers at once.
	outs, errs := make([][]byte, shards), make([]error, shards)
	for i := range shards {
		outs[i], errs[i] = sh(dirs[i], shardStep, "SHARD="+strconv.Itoa(i+1)+"/"+strconv.Itoa(shards)).CombinedOutput()
	}
	merged := t.TempDir()
	all := filepath.Join(merged, "all-blob-reports")
	if err := os.MkdirAll(all, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range shards {
		if errs[i] != nil {
			t.Fatalf("shard %d/%d failed: %v\n%s", i+1, shards, errs[i], outs[i])
		}
		// Its own stack: the fixture's named stacks ran in this checkout.
		if ents, _ := filepath.Glob(filepath.Join(dirs[i], ".wrangler", "arena-dev", "stacks", "pw-*")); len(ents) == 0 {
			t.Errorf("shard %d: no stack of its fixture ran in its checkout", i+1)
		}
		zips, _ := filepath.Glob(filepath.Join(dirs[i], "blob-report", "*.zip"))
		if len(zips) != 1 {
			t.Fatalf("shard %d: blob reports %v, want one", i+1, zips)
		}
		// As the download step gathers the shards' artifacts into one folder.
		if err := os.Link(zips[0], filepath.Join(all, filepath.Base(zips[0]))); err != nil {
			t.Fatalf("shard %d's %s collides with another shard's: %v", i+1, filepath.Base(zips[0]), err)
		}
	}
	// The merge job has a checkout of its own, without the shards' stacks.
	mergeDir := dirs[0]
	if err := os.Rename(all, filepath.Join(mergeDir, "all-blob-reports")); err != nil {
		t.Fatal(err)
	}
	if out, err := sh(mergeDir, mergeStep).CombinedOutput(); err != nil {
		t.Fatalf("merging the reports: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(mergeDir, "playwright-report", "index.html")); err != nil {
		t.Errorf("no merged HTML report: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(mergeDir, "merged-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Stats  struct{ Expected, Unexpected, Flaky, Skipped int }
		Suites []suite
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("merged-report.json: %v", err)
	}
	titles := map[string]int{}
	for _, s := range rep.Suites {
		s.titles("", titles)
	}
	if rep.Stats.Expected != 4 || rep.Stats.Unexpected+rep.Stats.Flaky+rep.Stats.Skipped != 0 || len(titles) != 4 {
		t.Fatalf("merged report: stats %+v, tests %v; want the suite's 4 tests, all passed", rep.Stats, titles)
	}
	for title, n := range titles {
		if n != 1 {
			t.Errorf("%q ran %d times across the shards, want once", title, n)
		}
	}
}

// suite is the part of Playwright's JSON report that names the tests.
type suite struct {
	Title  string
	Specs  []struct{ Title string }
	Suites []suite
}

func (s suite) titles(prefix string, into map[string]int) {
	p := prefix + s.Title + " > "
	for _, sp := range s.Specs {
		into[p+sp.Title]++
	}
	for _, c := range s.Suites {
		c.titles(p, into)
	}
}
