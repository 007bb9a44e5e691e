package testenv

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skipInCopy are the example's generated or state folders: a copy starts clean.
var skipInCopy = map[string]bool{
	".git": true, ".wrangler": true, ".astro": true, ".partykit": true, "dist": true,
	"node_modules/.vite": true, "node_modules/.astro": true, "test-results": true, "playwright-report": true,
}

// ExampleCopy makes a private copy of examples/sommelier-arena under t.TempDir():
// each test's stack has its own run file, state and generated folders, and process
// scans can tell its processes apart from any other stack on the machine (other
// packages' tests, a developer's `make run`). node_modules is hard-linked (a
// fraction of a second; a real copy when the temp dir is on another device).
func ExampleCopy(t testing.TB) string {
	t.Helper()
	src := ExampleDir(t)
	RequireFile(t, filepath.Join(src, "node_modules", ".bin", "partykit"))
	RequireFile(t, filepath.Join(src, "node_modules", ".bin", "astro"))
	dst := filepath.Join(t.TempDir(), "sommelier-arena")
	if err := copyTree(src, dst); err != nil {
		t.Fatalf("copying the example stack: %v", err)
	}
	return dst
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if skipInCopy[filepath.ToSlash(rel)] || (d.IsDir() && d.Name() == ".wrangler") {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			// Only node_modules is linked: the dev servers may rewrite project files
			// (Astro touches tsconfig.json, for one), which must not reach the original.
			if inNodeModules(rel) {
				if err := os.Link(path, to); err == nil {
					return nil
				}
			}
			return copyFile(path, to)
		}
		return nil // sockets, fifos: not part of a project
	})
}

func inNodeModules(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if part == "node_modules" {
			return true
		}
	}
	return false
}

func copyFile(from, to string) (err error) {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	_, err = io.Copy(out, in)
	return err
}
