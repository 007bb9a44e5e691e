package main

import (
	"fmt"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/urfave/cli/v2"
)

func initCommand() *cli.Command {
	return &cli.Command{
		Name:      "init",
		Usage:     "write a commented arena-dev.toml that spells out the defaults",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", Value: ".", Usage: "project directory to write it in"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing arena-dev.toml"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			path, err := config.WriteTemplate(c.String("dir"), c.Bool("force"))
			if err != nil {
				return err
			}
			fmt.Fprintln(c.App.Writer, "wrote", path)
			return nil
		},
	}
}
