package main

import "github.com/urfave/cli/v2"

// composeCommand is a placeholder until its issue lands; it says so instead of pretending.
func composeCommand() *cli.Command {
	return &cli.Command{
		Name:   "compose",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev compose: not implemented yet", 1) },
	}
}
