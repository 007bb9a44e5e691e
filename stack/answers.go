package stack

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/answersport"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/seeds"
)

// answersRun serves the wine-answers API over ns as an in-process service.
func answersRun(a project.Answers, ns *Answers, sup func() *orchestrate.Supervisor) func(ctx context.Context, ready func(), lw svclog.LineWriter) error {
	addr := net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
	return func(ctx context.Context, ready func(), lw svclog.LineWriter) error {
		log := zerolog.New(zerolog.ConsoleWriter{Out: lineWriter{lw}, NoColor: true, PartsExclude: []string{zerolog.TimestampFieldName}})
		lim, limited, err := answersport.Limited(ns.Root, ns.Namespace, a.KVLimits) // armed once serving
		if err != nil {
			return err
		}
		defer lim.Close()
		kv, edge := answersport.KV(limited, a.KVConsistency, a.KVPropagationDelay)
		srv := answers.New(kv, answers.Options{Logger: log, CORSOrigins: a.CORSOrigins, AllowedHosts: []string{a.Host}, Limits: lim, Namespace: ns.ID()})
		if a.Seed {
			res, err := seeds.SeedEmpty(srv.Store())
			if err != nil {
				return fmt.Errorf("seeding: %w", err)
			}
			logSeeded(log, res)
		}
		if err := ns.takeStartSnapshot(); err != nil {
			return err
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("answers API cannot listen on %s: %w", addr, err)
		}
		log.Info().Str("namespace", ns.ID()).Str("state", ns.Root).Strs("cors", a.CORSOrigins).
			Str("cors_from", a.CORSFrom).Msgf("wine-answers API on %s", a.URL)
		if w := answers.BindWarning(a.Host); w != "" {
			log.Warn().Msg(w)
		}
		lim.Arm()
		ready()
		port := answersport.Handler(answersport.Options{API: srv, Store: ns.store, Namespace: ns.ID(),
			KnownNamespaces: dashboard.ConfigNamespaces(a.WranglerConfig), Access: control.Access{Hosts: []string{a.Host}, Token: ns.Token}, Edge: edge,
			Control: control.Handler(sup(), ctx.Done()), Reset: resetHandler(ns, srv), Limits: lim, Log: log})
		log.Info().Msgf("dashboard on %s/_arena/", a.URL)
		return answers.Serve(ctx, ln, endWithService(ctx, port))
	}
}

func logSeeded(log zerolog.Logger, res []seeds.Result) {
	if s := seeds.Summary(res); s != "" {
		log.Info().Msg("seeded empty categories: " + s)
	}
}

// lineWriter turns zerolog's one-event-per-Write output into whole log lines.
type lineWriter struct{ lw svclog.LineWriter }

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.lw.WriteLine(l)
	}
	return len(p), nil
}

// Answers is the opened answers namespace and the store that holds it.
type Answers struct {
	*emulator.Namespace
	Root  string // the persist root
	store *emulator.Store
	// RunDir holds the snapshots; "" = no start snapshot (no POST /_arena/reset).
	RunDir     string
	startTaken atomic.Bool
	// Token is the stack's token for the answers port's /_arena (docs/security.md).
	Token string
}

// Close closes the store.
func (a *Answers) Close() error { return a.store.Close() }

// endWithService ends every request's context when the service stops, so the
// control API's event and log streams let a graceful shutdown finish (an
// http.Server waits for open requests, and a stream never ends by itself).
func endWithService(svc context.Context, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(svc, cancel)
		defer stop()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
