package project

import (
	"fmt"
	"path/filepath"
	"regexp"
)

// Where is where one stack of a project keeps its running state. It is found
// from which files exist alone, parsing none: commands that act on a running
// stack (down, status, logs, ...) locate it this way, so a broken arena-dev.toml
// or env file cannot keep them from reaching the stack.
type Where struct {
	Root   string // the project root, as Resolve finds it
	Name   string // the stack's --name, "" for the default stack
	RunDir string // run file, lock, background log, snapshots
	LogDir string // one log file per service
}

// Locate finds the stack: root from file (--file: its folder) or else from dir
// as FindRoot does, and the run directory of the stack named name.
func Locate(dir, file, name string) (Where, error) {
	if err := CheckStackName(name); err != nil {
		return Where{}, &UsageError{err}
	}
	var root string
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return Where{}, err
		}
		root = filepath.Dir(abs)
	} else {
		if dir == "" {
			dir = "."
		}
		r, _, err := FindRoot(dir)
		if err != nil {
			return Where{}, err
		}
		root = r
	}
	return StackAt(root, name), nil
}

// StackAt is where the stack name of the project at root keeps its state.
func StackAt(root, name string) Where {
	run := filepath.Join(root, ".wrangler", "arena-dev")
	if name != "" {
		run = filepath.Join(run, "stacks", name)
	}
	return Where{Root: root, Name: name, RunDir: run, LogDir: filepath.Join(run, "logs")}
}

// NamedStacks are the project's named stacks (--name) that have a run
// directory, running or not.
func NamedStacks(root string) []Where {
	dirs, _ := filepath.Glob(filepath.Join(StackAt(root, "").RunDir, "stacks", "*"))
	out := make([]Where, 0, len(dirs))
	for _, d := range dirs {
		out = append(out, StackAt(root, filepath.Base(d)))
	}
	return out
}

var stackName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)

// CheckStackName accepts "" (the default stack) and names made of lower case
// letters, digits, '.', '-' and '_', at most 63.
func CheckStackName(name string) error {
	if name != "" && !stackName.MatchString(name) {
		return fmt.Errorf("--name %q: lower case letters, digits, '.', '-' and '_', at most 63", name)
	}
	return nil
}

// Ports are the model's services' ports by name (those that have one): a
// running stack's, for Options.AutoPortsFrom.
func (p *Project) Ports() map[string]int {
	out := map[string]int{}
	for _, s := range p.Services {
		if s.Port != 0 {
			out[s.Name] = s.Port
		}
	}
	return out
}
