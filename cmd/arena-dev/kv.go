package main

import "github.com/urfave/cli/v2"

// kvCommand is a placeholder until its issue lands; it says so instead of pretending.
func kvCommand() *cli.Command {
	return &cli.Command{
		Name:   "kv",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev kv: not implemented yet", 1) },
	}
}
