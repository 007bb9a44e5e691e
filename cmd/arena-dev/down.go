package main

import "github.com/urfave/cli/v2"

// downCommand is a placeholder until its issue lands; it says so instead of pretending.
func downCommand() *cli.Command {
	return &cli.Command{
		Name:   "down",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev down: not implemented yet", 1) },
	}
}
