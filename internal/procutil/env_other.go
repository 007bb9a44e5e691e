//go:build unix && !linux && !darwin

package procutil

// EnvValue: other Unixes are not release targets; their processes' environments
// are not read, so only the process tree and the run file find escapees.
func EnvValue(pid int, key string) (string, bool) { return "", false }
