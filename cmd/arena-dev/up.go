package main

import "github.com/urfave/cli/v2"

// upCommand is a placeholder until its issue lands; it says so instead of pretending.
func upCommand() *cli.Command {
	return &cli.Command{
		Name:   "up",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev up: not implemented yet", 1) },
	}
}
