package main

import "github.com/urfave/cli/v2"

// initCommand is a placeholder until its issue lands; it says so instead of pretending.
func initCommand() *cli.Command {
	return &cli.Command{
		Name:   "init",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev init: not implemented yet", 1) },
	}
}
