package project

import (
	"os"
	"path/filepath"

	"github.com/sommelier-arena/arena-dev/config"
)

// FindRoot is the project root for a command run in dir: the nearest directory
// (dir or a parent) with an arena-dev.toml, else the nearest with the default
// layout (IsDefaultLayout), else dir itself. Every command finds it this way, so
// `status` or `down` from src/ of the app reach the stack `up` started at its root.
func FindRoot(dir string) (root string, hasFile bool, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, config.FileName)) {
			return d, true, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	for d := abs; ; d = filepath.Dir(d) {
		if IsDefaultLayout(d) {
			return d, false, nil
		}
		if filepath.Dir(d) == d {
			return abs, false, nil
		}
	}
}

// IsDefaultLayout says whether dir looks like the Sommelier Arena app that the
// defaults describe: a package.json beside partykit.json or the wine-answers
// Worker's wrangler config.
func IsDefaultLayout(dir string) bool {
	if !exists(filepath.Join(dir, "package.json")) {
		return false
	}
	return exists(filepath.Join(dir, "partykit.json")) ||
		exists(filepath.Join(dir, "wine-answers-worker", "wrangler.toml"))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
