package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/compose/panel"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/kvedge"
	"github.com/sommelier-arena/arena-dev/kvlimits"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/seeds"
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
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	// Listen before writing to the state, so a taken port fails fast and changes nothing.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("port %d is already in use on %s (another arena-dev or wrangler dev?); pick another with --port", a.Port, a.Host)
		}
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	defer ln.Close()

	log := *logOf(c)
	if w := answers.BindWarning(a.Host); w != "" {
		log.Warn().Msg(w)
	}
	lim, err := kvlimits.Start(store.Root(), kvlimits.Mode(limits), kvlimits.Options{}) // armed once serving
	if err != nil {
		return err
	}
	defer lim.Close()
	var kv answers.KV = kvlimits.WrapWrites(ns, lim)
	var edge *kvedge.KV // nil: strongly consistent
	if mode == "edge" {
		edge = kvedge.New(kv, kvedge.Options{Delay: delay}) // over the limits: they refuse at the store
		kv = edge
		log.Info().Dur("delay", delay).Msg("edge KV consistency: each X-Arena-Colo location serves what it read for the delay; POST /_arena/kv/propagate ends it")
	}
	srv := answers.New(kv, answers.Options{Logger: log, CORSOrigins: a.CORSOrigins,
		AllowedHosts: append([]string{a.Host}, c.StringSlice("allow-host")...), Limits: lim, Namespace: ns.ID()})
	if !c.Bool("no-seed") {
		res, err := seeds.SeedEmpty(srv.Store())
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		if s := seededSummary(res, false); s != "" {
			log.Info().Msg("seeded categories that did not exist: " + s)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info().Str("namespace", ns.ID()).Str("state", store.Root()).
		Strs("cors", a.CORSOrigins).Msgf("wine-answers API on http://%s", ln.Addr())
	// The dashboard (no services panel: serve runs no stack) and the edge KV
	// endpoints beside the API.
	mux := http.NewServeMux()
	// Exact paths: the dashboard owns the rest of /_arena/kv/ (its KV browser).
	edgeAPI := control.Guard(kvedge.Handler(edge), a.Host)
	mux.Handle("/_arena/kv/propagate", edgeAPI)
	mux.Handle("/_arena/kv/propagation", edgeAPI)
	hosts := append([]string{a.Host}, c.StringSlice("allow-host")...)
	services, err := composePanel(ctx, c.String("compose-project"), mux, hosts)
	if err != nil {
		return err
	}
	mux.Handle("/_arena/", dashboard.New(dashboard.Options{Store: store, Namespace: ns.ID(),
		KnownNamespaces: dashboard.ConfigNamespaces(a.WranglerConfig), Hosts: hosts, Services: services, Next: srv, Limits: lim}))
	lim.Arm()
	mux.Handle("/", srv)
	log.Info().Msgf("dashboard on http://%s/_arena/", ln.Addr())
	if err := answers.Serve(ctx, ln, answers.LogRequestsExcept(log, mux, dashboard.Quiet)); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}

// seededSummary says per category what seeding did ("color +4, grape +66"); with
// all, categories that needed nothing are listed too.
func seededSummary(res []seeds.Result, all bool) string {
	var parts []string
	for _, r := range res {
		switch {
		case r.Written:
			p := fmt.Sprintf("%s +%d", r.Category, r.Added)
			if r.Removed > 0 {
				p += fmt.Sprintf(" -%d", r.Removed)
			}
			parts = append(parts, p)
		case all:
			parts = append(parts, fmt.Sprintf("%s unchanged", r.Category))
		}
	}
	return strings.Join(parts, ", ")
}

// composePanel, in compose's answers container (--compose-project), mounts the
// control API over the project's containers, read from the Engine API, so the
// dashboard's services panel shows them; it reports whether it did.
func composePanel(ctx context.Context, project string, mux *http.ServeMux, hosts []string) (bool, error) {
	if project == "" {
		return false, nil
	}
	engine, err := compose.Connect(ctx)
	if err != nil {
		return false, err
	}
	view := panel.New(engine, project)
	context.AfterFunc(ctx, func() { view.Close(); engine.Close() })
	mux.Handle("/_arena/api/", http.StripPrefix("/_arena", control.Guard(control.Handler(view, ctx.Done()), hosts...)))
	return true, nil
}
