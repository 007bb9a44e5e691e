// Package snapshot keeps named copies of a stack's KV state, for test suites that
// want each test to start from a known state: `arena-dev snapshot save|restore|
// list|rm NAME` and `POST /_arena/reset` on the answers port. The copies
// themselves (consistent while writes continue, restored atomically) are the
// emulator's (emulator.Namespace.SaveSnapshot, RestoreSnapshot); this package
// names them, lists them and checks they belong to the namespace at hand.
//
// Snapshots live in <run dir>/snapshots/NAME. The state a stack started with
// is kept apart, in <run dir>/snapshots/.start, retaken by every `up`.
package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sommelier-arena/arena-dev/emulator"
)

// Start is the name POST /_arena/reset uses for the state the stack started with.
const Start = ".start"

// Dir is the folder of a run directory's snapshots.
func Dir(runDir string) string { return filepath.Join(runDir, "snapshots") }

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckName refuses a name that could not be a folder name everywhere or that
// could reach outside the snapshots folder.
func CheckName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("snapshot name %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// NotFoundError is a snapshot name with no snapshot.
type NotFoundError struct {
	Name  string
	Known []string
}

func (e *NotFoundError) Error() string {
	if e.Name == Start {
		return "no start snapshot: the stack takes it when its answers API starts (arena-dev up)"
	}
	known := "there are none"
	if len(e.Known) > 0 {
		known = "there are: " + strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no snapshot named %q (%s)", e.Name, known)
}

// Info is one named snapshot.
type Info struct {
	Name string `json:"name"`
	emulator.SnapshotInfo
}

func path(runDir, name string) (string, error) {
	if name != Start {
		if err := CheckName(name); err != nil {
			return "", err
		}
	}
	return filepath.Join(Dir(runDir), name), nil
}

// Save takes a snapshot of ns named name. An existing snapshot of that name is
// an error unless replace is set; it is then replaced only once the new one is
// complete.
func Save(ns *emulator.Namespace, runDir, name string, replace bool) (Info, error) {
	dir, err := path(runDir, name)
	if err != nil {
		return Info{}, err
	}
	_, statErr := os.Lstat(dir)
	exists := statErr == nil
	if exists && !replace {
		return Info{}, fmt.Errorf("snapshot %q already exists (replace it with --force, or remove it with `arena-dev snapshot rm %s`)", name, name)
	}
	target := dir
	if exists {
		target = filepath.Join(filepath.Dir(dir), "."+name+".new") // a leading dot: never a snapshot name
		os.RemoveAll(target)
	}
	si, err := ns.SaveSnapshot(target)
	if err != nil {
		return Info{}, err
	}
	if exists {
		// Move the old one aside before the new one takes its name, so the
		// name always holds a complete snapshot or (for an instant) none.
		old := filepath.Join(filepath.Dir(dir), "."+name+".old")
		os.RemoveAll(old)
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(target)
			return Info{}, fmt.Errorf("replacing snapshot %q: %w", name, err)
		}
		if err := os.Rename(target, dir); err != nil {
			return Info{}, fmt.Errorf("replacing snapshot %q (the old one is in %s): %w", name, old, err)
		}
		os.RemoveAll(old)
	}
	return Info{Name: name, SnapshotInfo: si}, nil
}

// Restore makes ns exactly the snapshot named name; it must be a snapshot of
// that namespace.
func Restore(ns *emulator.Namespace, runDir, name string) (Info, error) {
	dir, err := path(runDir, name)
	if err != nil {
		return Info{}, err
	}
	si, err := emulator.ReadSnapshotInfo(dir)
	if errors.Is(err, os.ErrNotExist) {
		nf := &NotFoundError{Name: name}
		if l, err := List(runDir); err == nil {
			for _, i := range l {
				nf.Known = append(nf.Known, i.Name)
			}
		}
		return Info{}, nf
	}
	if err != nil {
		return Info{}, err
	}
	if si.Namespace != ns.ID() {
		return Info{}, fmt.Errorf("snapshot %q is of KV namespace %q, not %q", name, si.Namespace, ns.ID())
	}
	if err := ns.RestoreSnapshot(dir); err != nil {
		return Info{}, err
	}
	return Info{Name: name, SnapshotInfo: si}, nil
}

// List returns the named snapshots (not the start one), by name.
func List(runDir string) ([]Info, error) {
	ents, err := os.ReadDir(Dir(runDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range ents {
		if !e.IsDir() || CheckName(e.Name()) != nil {
			continue
		}
		si, err := emulator.ReadSnapshotInfo(filepath.Join(Dir(runDir), e.Name()))
		if err != nil {
			continue // not a snapshot (yet): a folder being written has no manifest
		}
		out = append(out, Info{Name: e.Name(), SnapshotInfo: si})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Remove deletes the snapshot named name.
func Remove(runDir, name string) error {
	dir, err := path(runDir, name)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return &NotFoundError{Name: name}
	}
	return os.RemoveAll(dir)
}
