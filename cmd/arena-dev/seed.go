package main

import "github.com/urfave/cli/v2"

// seedCommand is a placeholder until its issue lands; it says so instead of pretending.
func seedCommand() *cli.Command {
	return &cli.Command{
		Name:   "seed",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev seed: not implemented yet", 1) },
	}
}
