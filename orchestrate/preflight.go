package orchestrate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// MissingProgramError: a service's program is not there. Found before anything
// starts or any state is created, so a fresh clone without node_modules fails at
// once with the fix instead of after a minute of restarts.
type MissingProgramError struct {
	Service, Program, Dir string
	Hint                  string // e.g. "run `npm ci` in DIR"
}

func (e *MissingProgramError) Error() string {
	msg := fmt.Sprintf("service %s: %s not found", e.Service, e.Program)
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// CheckPrograms finds every enabled child service's program (a shell service's
// /bin/sh) as the supervisor will run it, and names the first that is missing.
func CheckPrograms(specs []ServiceSpec) error {
	for _, sp := range specs {
		if sp.Run != nil || sp.Disabled || len(sp.Command) == 0 {
			continue
		}
		name := sp.Command[0]
		if sp.Shell {
			name = "/bin/sh"
		}
		dir := sp.Dir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		path := programPath(name, dir, sp.Env)
		if !strings.ContainsRune(path, '/') {
			if p, err := exec.LookPath(path); err == nil {
				path = p
			} else {
				return &MissingProgramError{Service: sp.Name, Program: name, Dir: dir, Hint: "not on PATH"}
			}
		}
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			continue
		}
		e := &MissingProgramError{Service: sp.Name, Program: path, Dir: dir}
		if i := strings.Index(path, string(filepath.Separator)+"node_modules"+string(filepath.Separator)); i >= 0 {
			pkgDir := path[:i]
			e.Hint = fmt.Sprintf("run `%s` in %s", installCommand(pkgDir), pkgDir)
		}
		return e
	}
	return nil
}

// installCommand is how the project's package manager installs, by its lock file.
func installCommand(dir string) string {
	for _, c := range []struct{ lock, cmd string }{
		{"pnpm-lock.yaml", "pnpm install --frozen-lockfile"},
		{"yarn.lock", "yarn install --frozen-lockfile"},
		{"bun.lockb", "bun install"},
		{"package-lock.json", "npm ci"},
	} {
		if _, err := os.Stat(filepath.Join(dir, c.lock)); err == nil {
			return c.cmd
		}
	}
	return "npm install"
}
