package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// composeCommand runs the stack as Docker containers through the Engine API.
func composeCommand() *cli.Command {
	return &cli.Command{
		Name:  "compose",
		Usage: "run the stack as Docker containers (Engine API, offline; docker compose labels)",
		Subcommands: append([]*cli.Command{
			{
				Name: "up", Usage: "build arena-dev's own image, create the network and start the services",
				Flags: append(stackFlags(),
					&cli.BoolFlag{Name: "wait", Usage: "return when every service is healthy (or fail naming the one that is not)"},
					&cli.DurationFlag{Name: "wait-timeout", Value: 3 * time.Minute, Usage: "how long --wait (and waiting for dependencies) may take"}),
				Action: composeUp,
			},
			{
				Name: "down", Usage: "stop and remove the project's containers and network",
				Flags: []cli.Flag{projectFlag(),
					&cli.BoolFlag{Name: "volumes", Aliases: []string{"v"}, Usage: "also remove the project's volumes"}},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					return withEngine(c, func(ctx context.Context, cli client.APIClient) error {
						return compose.Down(ctx, cli, c.String("project"), c.Bool("volumes"), os.Stderr)
					})
				},
			},
			{
				Name: "ps", Usage: "list the project's containers",
				Flags: []cli.Flag{projectFlag(),
					&cli.BoolFlag{Name: "json", Usage: "a JSON array (docker compose's field names)"},
					&cli.StringFlag{Name: "format", Value: "table", Usage: "table, or json: one JSON object per line, as `docker compose ps --format json`"}},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					f, err := psFormat(c)
					if err != nil {
						return err
					}
					return withEngine(c, func(ctx context.Context, cli client.APIClient) error {
						rows, err := compose.Ps(ctx, cli, c.String("project"))
						if err != nil {
							return err
						}
						return compose.WritePs(os.Stdout, rows, f)
					})
				},
			},
			{
				Name: "logs", Usage: "print the services' logs as \"[service] line\"", ArgsUsage: "[SERVICE...]",
				Flags: []cli.Flag{projectFlag(),
					&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new lines"},
					&cli.StringFlag{Name: "tail", Aliases: []string{"n"}, Value: "all", Usage: "lines from the end of each log, or all"}},
				Action: func(c *cli.Context) error {
					if t := c.String("tail"); t != "all" {
						if n, err := strconv.Atoi(t); err != nil || n < 0 {
							return usageLine("compose logs", fmt.Sprintf("--tail %q: want a number of lines or all", t))
						}
					}
					return withEngine(c, func(ctx context.Context, cli client.APIClient) error {
						return compose.Logs(ctx, cli, c.String("project"), compose.LogsOptions{
							Services: c.Args().Slice(), Follow: c.Bool("follow"), Tail: c.String("tail"), Color: svclog.ColorAuto,
						}, os.Stdout)
					})
				},
			},
			{
				Name: "config", Usage: "print an equivalent docker-compose.yml",
				Flags: stackFlags(),
				Action: func(c *cli.Context) error {
					p, err := composeProject(c)
					if err != nil {
						return err
					}
					if err := configSync(c, p); err != nil {
						return err
					}
					return compose.WriteConfig(os.Stdout, p)
				},
			},
			{
				Name:  "build-node-image",
				Usage: "build a Node image offline: FROM scratch with this machine's node and the libraries it and the app's native binaries need",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "tag", Usage: "image reference to build (default: arena-dev-node:<node's version>)"},
					&cli.StringFlag{Name: "node", Usage: "node binary to copy (default: node on PATH)"},
					&cli.StringFlag{Name: "dir", Value: ".", Usage: "the app folder: its node_modules' native binaries (workerd, esbuild) get their libraries"},
				},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					scan := filepath.Join(c.String("dir"), "node_modules")
					o := compose.NodeImageOptions{Tag: c.String("tag"), Node: c.String("node")}
					if abs, err := filepath.Abs(scan); err == nil {
						if _, err := os.Stat(abs); err == nil {
							o.Scan = []string{abs}
						}
					}
					if o.Tag == "" {
						tag, err := compose.LocalNodeTag(o.Node)
						if err != nil {
							return err
						}
						o.Tag = tag
					}
					return withEngine(c, func(ctx context.Context, cli client.APIClient) error {
						if err := compose.BuildNodeImage(ctx, cli, o, os.Stderr); err != nil {
							return err
						}
						fmt.Fprintf(os.Stderr, "built %s: use it with `arena-dev compose up --node-image %s` (or ARENA_DEV_NODE_IMAGE=%s)\n", o.Tag, o.Tag, o.Tag)
						fmt.Println(o.Tag)
						return nil
					})
				},
			},
			{
				// Inside the FROM scratch image there is no shell or curl: the image's
				// HEALTHCHECK runs arena-dev itself.
				Name: "healthcheck", Hidden: true, ArgsUsage: "URL",
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return usagef("healthcheck takes one URL")
					}
					return compose.Probe(c.Context, c.Args().First())
				},
			},
		}, composeDataCommands()...),
	}
}

// psFormat is compose ps's output format from --format and --json.
func psFormat(c *cli.Context) (compose.PsFormat, error) {
	f := c.String("format")
	switch {
	case c.Bool("json") && c.IsSet("format"):
		return 0, usageLine("compose ps", "--json and --format exclude each other")
	case c.Bool("json"):
		return compose.PsJSONArray, nil
	case f == "json":
		return compose.PsJSONLines, nil
	case f == "table":
		return compose.PsTable, nil
	}
	return 0, usageLine("compose ps", fmt.Sprintf("--format %q: want table or json", f))
}

func projectFlag() cli.Flag {
	return &cli.StringFlag{Name: "project", Aliases: []string{"p"}, Value: "arena", EnvVars: []string{"ARENA_DEV_COMPOSE_PROJECT"},
		Usage: "compose project name: containers <project>-<service>-1, network <project>_default"}
}

func stackFlags() []cli.Flag {
	return append(projectFlags(),
		projectFlag(),
		&cli.StringFlag{Name: "node-image", Value: compose.DefaultNodeImage, EnvVars: []string{"ARENA_DEV_NODE_IMAGE"}, Usage: "image for the supervised services (never pulled; see build-node-image)"},
		&cli.StringSliceFlag{Name: "port", Usage: "override a service's port, inside and published: SERVICE=N (repeatable)"},
		&cli.StringFlag{Name: "persist-to", Aliases: []string{"state-dir"}, Usage: "the .wrangler/state to mount at /state (default: the project's, beside the Worker's wrangler config)"},
		&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin the API allows (repeatable; as for up)"},
		&cli.StringFlag{Name: "answers", Usage: "who serves the answers API: `go` (the default) or worker (wrangler dev of the project's Worker, in the Node image)"},
		syncFlag(),
		&cli.StringFlag{Name: "publish-ip", Value: "127.0.0.1", EnvVars: []string{"ARENA_DEV_PUBLISH_IP"}, Usage: "the engine host's address the ports are published on (0.0.0.0 for CI's docker:dind service, reached as its host name)"},
	)
}

// composeProject is the resolved model as containers (the commands take no arguments).
func composeProject(c *cli.Context) (*compose.Project, error) {
	if err := noArgs(c); err != nil {
		return nil, err
	}
	m, err := resolveProject(c)
	if err != nil {
		return nil, err
	}
	return compose.NewProject(m, compose.Options{Name: c.String("project"), Version: version, NodeImage: c.String("node-image"),
		EngineSocket: compose.LocalSocket(), PublishIP: c.String("publish-ip")})
}

func composeUp(c *cli.Context) error {
	p, err := composeProject(c)
	if err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding arena-dev's own binary: %w", err)
	}
	// `wrangler dev` seeds nothing: in worker mode arena-dev seeds the mounted state.
	if m, err := resolveProject(c); err != nil {
		return err
	} else if err := stack.SeedForWorker(m, *logOf(c)); err != nil {
		return err
	}
	return withEngine(c, func(ctx context.Context, cli client.APIClient) error {
		if err := chooseSync(ctx, c, cli, p); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "sync: %s (%s)\n", p.Sync, p.SyncReason)
		err := compose.Up(ctx, cli, p, compose.UpOptions{Binary: bin, Wait: c.Bool("wait"), WaitTimeout: c.Duration("wait-timeout"), Progress: os.Stderr})
		if err != nil {
			if rows, perr := compose.Ps(ctx, cli, p.Name); perr == nil && len(rows) > 0 {
				return fmt.Errorf("%w\n(the containers stay for `arena-dev compose logs -p %s`; `arena-dev compose down -p %s` removes everything)", err, p.Name, p.Name)
			}
			return err
		}
		for _, s := range p.Services {
			if s.HostPort != 0 {
				fmt.Printf("%-9s http://%s\n", s.Name, net.JoinHostPort(compose.PublishedHost(), strconv.Itoa(s.HostPort)))
			}
		}
		return nil
	})
}

// withEngine connects (failing clearly when no engine answers) and runs fn with a
// context that ends on SIGINT/SIGTERM.
func withEngine(c *cli.Context, fn func(context.Context, client.APIClient) error) error {
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	engine, err := compose.Connect(ctx)
	if err != nil {
		return err
	}
	defer engine.Close()
	return fn(ctx, engine)
}
