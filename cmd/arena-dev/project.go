package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sommelier-arena/arena-dev/config"
	"github.com/urfave/cli/v2"
)

// projectFlags locate the project: --dir, and --config for arena-dev.toml.
func projectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dir", Value: ".", Usage: "project directory (arena-dev.toml is looked for here and in its parents)"},
		&cli.StringFlag{Name: "file", Usage: "path to arena-dev.toml (default: found from --dir)"},
	}
}

// loadProject reads the project's arena-dev.toml (or its defaults) and applies
// repeated --port name=N overrides when the command has that flag.
func loadProject(c *cli.Context) (*config.Project, error) {
	var p *config.Project
	var err error
	if f := c.String("file"); f != "" {
		abs, aerr := filepath.Abs(f)
		if aerr != nil {
			return nil, aerr
		}
		p, err = config.Load(filepath.Dir(abs), abs, true)
	} else {
		dir, ferr := config.Find(c.String("dir"))
		if ferr != nil {
			return nil, cli.Exit(ferr.Error(), 2)
		}
		p, err = config.Load(dir, filepath.Join(dir, config.FileName), false)
	}
	if err != nil {
		return nil, cli.Exit(err.Error(), 2)
	}
	for _, kv := range c.StringSlice("port") {
		name, val, ok := strings.Cut(kv, "=")
		n, perr := strconv.Atoi(val)
		if !ok || perr != nil {
			return nil, cli.Exit(fmt.Sprintf("--port %q: want SERVICE=PORT, e.g. --port astro=4322", kv), 2)
		}
		if err := p.SetPort(name, n); err != nil {
			return nil, cli.Exit(err.Error(), 2)
		}
	}
	return p, nil
}
