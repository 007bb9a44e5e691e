package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/sommelier-arena/arena-dev/answersport"
	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/compose/panel"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/urfave/cli/v2"
)

// serveCommand runs the KV emulator and the wine-answers API alone, in this process.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the wine-answers API over the KV emulator (no child processes)",
		Description: "Serves the same REST API as the wine-answers Worker (docs/api.md) on the project's\n" +
			".wrangler/state, seeding categories that do not exist yet. Stops cleanly on Ctrl-C/SIGTERM.\n" +
			"Host, port, namespace and CORS origins default to the project's (arena-dev.toml, the Worker's config).",
		ArgsUsage: " ",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "port", Usage: "TCP port (default: the project's answers port, 8787)"},
			&cli.StringFlag{Name: "host", Usage: "address to bind (default: the project's, 127.0.0.1)"},
			&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin allowed by CORS (repeatable; \"*\" = any; default: the project's)"},
			&cli.StringFlag{Name: "compose-project", Hidden: true, Usage: "in compose's answers container: show and steer this project's containers in the dashboard"},
			&cli.StringSliceFlag{Name: "allow-host", Usage: "Host header name served besides loopback ones and --host (repeatable; e.g. a compose service name; \"*\" = any)"},
			&cli.BoolFlag{Name: "no-seed", Usage: "do not seed categories that do not exist yet"},
			&cli.StringFlag{Name: "token", EnvVars: []string{"ARENA_DEV_TOKEN"}, Usage: "the token changes under /_arena need from another machine (docs/security.md; default: a random one, printed when --host is not loopback)"},
			&cli.StringFlag{Name: "run-dir", Hidden: true, Usage: "in compose's answers container: keep snapshots here and serve POST /_arena/reset"},
		}, append(consistencyFlags(), namespaceFlags()...)...), // e2eflags.go
		Action: runServe,
	}
}

func runServe(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	store, ns, p, err := openNamespace(c, true)
	if err != nil {
		return err
	}
	defer store.Close()
	a := p.Answers
	if c.IsSet("port") {
		a.Port = c.Int("port")
	}
	if c.IsSet("host") {
		a.Host = c.String("host")
	}
	if c.IsSet("cors-origin") {
		a.CORSOrigins = c.StringSlice("cors-origin")
	}
	mode, delay, err := project.Consistency(a.KVConsistency, a.KVPropagationDelay, c.String("kv-consistency"), c.String("kv-propagation-delay"))
	if err != nil {
		return usagef("%v", err)
	}
	limits, err := project.Limits(a.KVLimits, c.String("kv-limits"))
	if err != nil {
		return usagef("%v", err)
	}
	if a.Port < 1 || a.Port > 65535 {
		return usagef("--port %d: want a TCP port from 1 to 65535", a.Port)
	}
	token, err := serveToken(c) // servetoken.go
	if err != nil {
		return err
	}
	o := answersport.Alone{Host: a.Host, Port: a.Port, AllowHosts: c.StringSlice("allow-host"), CORSOrigins: a.CORSOrigins, Token: token, RunDir: c.String("run-dir"),
		Consistency: mode, Delay: delay, Limits: limits, WranglerConfig: a.WranglerConfig, Seed: !c.Bool("no-seed"), Log: *logOf(c)}
	if cp := c.String("compose-project"); cp != "" {
		o.Control = func(ctx context.Context) (http.Handler, error) { return composePanel(ctx, cp) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return answersport.Serve(ctx, store, ns, o)
}

// composePanel, in compose's answers container (--compose-project), is the
// control API over the project's containers, read from the Engine API, so the
// dashboard's services panel shows them.
func composePanel(ctx context.Context, project string) (http.Handler, error) {
	engine, err := compose.Connect(ctx)
	if err != nil {
		return nil, err
	}
	view := panel.New(engine, project)
	context.AfterFunc(ctx, func() { view.Close(); engine.Close() })
	return control.Handler(view, ctx.Done()), nil
}
