package compose

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// exampleCopy copies examples/sommelier-arena under t.TempDir() without its
// generated and state folders (node_modules hard-linked): the containers write
// .astro, .partykit and .wrangler/state there, never in the repository.
func exampleCopy(t testing.TB) string {
	t.Helper()
	src := testenv.ExampleDir(t)
	testenv.RequireFile(t, filepath.Join(src, "node_modules", ".bin", "partykit"))
	testenv.RequireFile(t, filepath.Join(src, "node_modules", ".bin", "astro"))
	dst := filepath.Join(t.TempDir(), "sommelier-arena")
	skip := map[string]bool{".git": true, ".wrangler": true, ".astro": true, ".partykit": true, "dist": true,
		"node_modules/.vite": true, "node_modules/.astro": true}
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if skip[filepath.ToSlash(rel)] || (d.IsDir() && d.Name() == ".wrangler") {
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
			if strings.Contains(filepath.ToSlash(rel), "node_modules/") && os.Link(path, to) == nil {
				return nil
			}
			return copyRegular(path, to)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("copying the example: %v", err)
	}
	return dst
}

func copyRegular(from, to string) error {
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
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
