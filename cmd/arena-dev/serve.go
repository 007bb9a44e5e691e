package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/seeds"
	"github.com/urfave/cli/v2"
)

// serveCommand runs the KV emulator and the wine-answers API alone, in this process.
func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "serve the wine-answers API over the KV emulator (no child processes)",
		Description: "Serves the same REST API as the wine-answers Worker (docs/api.md) on the project's\n" +
			".wrangler/state, seeding categories that do not exist yet. Stops cleanly on Ctrl-C/SIGTERM.",
		Flags: append([]cli.Flag{
			&cli.IntFlag{Name: "port", Value: 8787, Usage: "TCP port (wrangler dev's default)"},
			&cli.StringFlag{Name: "host", Value: "127.0.0.1", Usage: "address to bind"},
			&cli.StringSliceFlag{Name: "cors-origin", Usage: "browser origin allowed by CORS (repeatable; \"*\" = any)",
				Value: cli.NewStringSlice(answers.DefaultCORSOrigins...)},
			&cli.StringSliceFlag{Name: "allow-host", Usage: "Host header name served besides loopback ones and --host (repeatable; e.g. a compose service name; \"*\" = any)"},
			&cli.BoolFlag{Name: "no-seed", Usage: "do not seed categories that do not exist yet"},
		}, namespaceFlags()...),
		Action: runServe,
	}
}

func runServe(c *cli.Context) error {
	if c.NArg() > 0 {
		return cli.Exit(fmt.Sprintf("serve takes no arguments, got %q", c.Args().First()), 2)
	}
	port := c.Int("port")
	if port < 1 || port > 65535 {
		return cli.Exit(fmt.Sprintf("--port %d: want a TCP port from 1 to 65535", port), 2)
	}
	addr := net.JoinHostPort(c.String("host"), strconv.Itoa(port))
	// Listen before touching the state, so a taken port fails fast and changes nothing.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return cli.Exit(fmt.Sprintf("port %d is already in use on %s (another arena-dev or wrangler dev?); pick another with --port", port, c.String("host")), 1)
		}
		return cli.Exit(fmt.Sprintf("cannot listen on %s: %v", addr, err), 1)
	}
	defer ln.Close()

	store, ns, err := openNamespaceDefault(c, "ANSWERS")
	if err != nil {
		return err
	}
	defer store.Close()

	if w := answers.BindWarning(c.String("host")); w != "" {
		logger.Warn().Msg(w)
	}
	srv := answers.New(ns, answers.Options{Logger: logger, CORSOrigins: c.StringSlice("cors-origin"),
		AllowedHosts: append([]string{c.String("host")}, c.StringSlice("allow-host")...)})
	if !c.Bool("no-seed") {
		res, err := seeds.SeedEmpty(srv.Store())
		if err != nil {
			return cli.Exit(fmt.Sprintf("seeding: %v", err), 1)
		}
		if s := seededSummary(res, false); s != "" {
			logger.Info().Msg("seeded categories that did not exist: " + s)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info().Str("namespace", ns.ID()).Str("state", store.Root()).
		Strs("cors", c.StringSlice("cors-origin")).Msgf("wine-answers API on http://%s", ln.Addr())
	if err := answers.Serve(ctx, ln, answers.LogRequests(logger, srv)); err != nil {
		return cli.Exit(fmt.Sprintf("serving: %v", err), 1)
	}
	logger.Info().Msg("stopped")
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
