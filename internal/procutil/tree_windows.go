//go:build !unix

package procutil

import "os"

// Without /proc there is no process tree to walk, no subreaper and no environ to
// read: stops reach the process group only.

func Snapshot() []Info                            { return nil }
func Descendants(pid int) []Info                  { return nil }
func EnvValue(pid int, key string) (string, bool) { return "", false }
func BecomeSubreaper() error                      { return nil }
func ReapZombie(p Info) bool                      { return false }

func Self() Info { return Info{PID: os.Getpid()} }
