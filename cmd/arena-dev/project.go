package main

import (
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// projectFlags locate the project: --dir, and --file for arena-dev.toml.
func projectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "dir", Value: ".", Usage: "where to start looking for the project (arena-dev.toml or the default layout, here or in a parent)"},
		&cli.StringFlag{Name: "file", Usage: "path to arena-dev.toml (default: found from --dir)"},
	}
}

// namedStackFlags are projectFlags plus the stack's --name: up, down, status, logs,
// restart, stop and start act on one named stack of the checkout.
func namedStackFlags() []cli.Flag {
	return append(projectFlags(), &cli.StringFlag{Name: "name", EnvVars: []string{"ARENA_DEV_STACK"},
		Usage: "the stack's `NAME`, for several stacks of one checkout at once (own run dir, logs, ephemeral state)"})
}

// resolveProject builds the model from the flags the command has: every command
// that starts something reads the stack through it. Commands that act on a
// running stack attach to it instead (attachStack).
func resolveProject(c *cli.Context) (*project.Project, error) {
	return project.Resolve(projectOptions(c))
}

// projectOptions are the command's flags as the model's inputs.
func projectOptions(c *cli.Context) project.Options {
	pinned, _ := pinnedPorts(c) // checked by up before anything resolves
	return project.Options{
		AutoPortsFrom: pinned,
		Dir:           c.String("dir"),
		File:          c.String("file"),
		Ports:         c.StringSlice("port"),
		PersistTo:     c.String("persist-to"),
		Ephemeral:     c.Bool("ephemeral"),
		CORSOrigins:   c.StringSlice("cors-origin"),
		Profiles:      c.StringSlice("profile"),
		Services:      upServices(c),
		Name:          c.String("name"),
		PortsAuto:     c.String("ports") == "auto",
		AnswersMode:   c.String("answers"),
		// up and serve have these flags; other commands read "" (not given).
		KVConsistency:      c.String("kv-consistency"),
		KVPropagationDelay: c.String("kv-propagation-delay"),
		KVLimits:           c.String("kv-limits"),
	}
}

// locateStack is where the command's stack keeps its state, found from which
// files exist: nothing is parsed.
func locateStack(c *cli.Context) (project.Where, error) {
	return project.Locate(c.String("dir"), c.String("file"), c.String("name"))
}

// attachStack is the command's running stack, or *stack.NotRunningError (exit 3).
func attachStack(c *cli.Context) (*stack.Running, error) {
	at, err := locateStack(c)
	if err != nil {
		return nil, err
	}
	return stack.Attach(at.Root, at.Name)
}

// upServices are `up`'s arguments: the services to start (with what they need).
func upServices(c *cli.Context) []string {
	if c.Command.Name != "up" {
		return nil
	}
	return c.Args().Slice()
}
