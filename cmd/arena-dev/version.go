package main

import (
	"fmt"
	"runtime"

	"github.com/urfave/cli/v2"
)

// versionCommand prints what a bug report needs: arena-dev's version, the Go
// that built it and the platform.
func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print arena-dev's version, Go version and OS/architecture",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			_, err := fmt.Fprintf(c.App.Writer, "arena-dev %s\n%s %s/%s\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
