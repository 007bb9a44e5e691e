package main

import (
	"fmt"
	"runtime"

	"github.com/sommelier-arena/arena-dev/internal/procutil"
	"github.com/urfave/cli/v2"
)

// versionCommand prints what a bug report needs: arena-dev's version, the Go
// that built it, the platform and the mechanisms it supervises with (so a
// build can be seen to take the portable path).
func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print arena-dev's version, Go version, OS/architecture and supervision mechanisms",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.App.Writer, "arena-dev %s\n%s %s/%s\nsupervision: %s\n",
				version, runtime.Version(), runtime.GOOS, runtime.GOARCH, procutil.Supervision)
			return err
		},
	}
}
