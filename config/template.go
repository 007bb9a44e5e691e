package config

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Template is the commented arena-dev.toml that `arena-dev init` writes; it spells out
// the defaults, so writing it changes nothing until it is edited.
//
//go:embed template.toml
var Template []byte

// WriteTemplate writes Template to dir/arena-dev.toml; it never overwrites a file
// unless force is set.
func WriteTemplate(dir string, force bool) (string, error) {
	path := filepath.Join(dir, FileName)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return path, fmt.Errorf("%s already exists; use --force to replace it", path)
	}
	if err != nil {
		return path, err
	}
	if _, err := f.Write(Template); err != nil {
		f.Close()
		return path, err
	}
	return path, f.Close()
}
