package main

import "github.com/urfave/cli/v2"

// statusCommand is a placeholder until its issue lands; it says so instead of pretending.
func statusCommand() *cli.Command {
	return &cli.Command{
		Name:   "status",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev status: not implemented yet", 1) },
	}
}
