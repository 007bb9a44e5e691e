package main

import "github.com/urfave/cli/v2"

// serveCommand is a placeholder until its issue lands; it says so instead of pretending.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:   "serve",
		Usage:  "not implemented yet",
		Action: func(*cli.Context) error { return cli.Exit("arena-dev serve: not implemented yet", 1) },
	}
}
