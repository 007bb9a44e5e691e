package answersport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/dashboard"
	"github.com/sommelier-arena/arena-dev/emulator"
	"github.com/sommelier-arena/arena-dev/seeds"
	"github.com/sommelier-arena/arena-dev/snapshot"
)

// Alone is `arena-dev serve`: the answers port over one namespace, with no stack
// around it.
type Alone struct {
	Host string
	Port int
	// AllowHosts are Host names served besides loopback ones and Host.
	AllowHosts  []string
	CORSOrigins []string
	// Token is the token /_arena/ changes from a non-loopback peer, and service
	// control, need (docs/security.md).
	Token string
	// Consistency is "strong" or "edge"; Delay is edge mode's window.
	Consistency string
	Delay       time.Duration
	// Limits is the KV limits mode: "off", "production" or "free".
	Limits string
	// WranglerConfig names the Worker's namespaces in the dashboard; "" = none.
	WranglerConfig string
	Seed           bool // seed the categories that do not exist yet
	// RunDir, when set (compose's answers container), keeps snapshots: the
	// state after seeding is taken as the start snapshot and POST /_arena/reset
	// goes back to it.
	RunDir string
	// Control, when set, is a control API for the dashboard's services panel
	// (compose's answers container); it is built on ctx, the one Serve runs on.
	Control func(ctx context.Context) (http.Handler, error)
	Log     zerolog.Logger
}

// Serve serves the port over ns until ctx ends (o.Port is a valid TCP port). It
// listens before it writes to the state, so a taken port fails at once and
// changes nothing.
func Serve(ctx context.Context, store *emulator.Store, ns *emulator.Namespace, o Alone) error {
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("port %d is already in use on %s (another arena-dev or wrangler dev?); pick another with --port", o.Port, o.Host)
		}
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	defer ln.Close()
	log := o.Log
	if w := answers.BindWarning(o.Host); w != "" {
		log.Warn().Msg(w)
		log.Warn().Str("token", o.Token).Msgf("the stack's token: send it as %s, or open %s once", control.TokenHeader, control.LoginURL(ln.Addr().String(), o.Token))
	}
	lim, limited, err := Limited(store.Root(), ns, o.Limits)
	if err != nil {
		return err
	}
	defer lim.Close()
	kv, edge := KV(limited, o.Consistency, o.Delay)
	if edge != nil {
		log.Info().Dur("delay", o.Delay).Msg("edge KV consistency: each X-Arena-Colo location serves what it read for the delay; POST /_arena/kv/propagate ends it")
	}
	hosts := append([]string{o.Host}, o.AllowHosts...)
	srv := answers.New(kv, answers.Options{Logger: log, CORSOrigins: o.CORSOrigins, AllowedHosts: hosts, Limits: lim, Namespace: ns.ID()})
	if o.Seed {
		res, err := seeds.SeedEmpty(srv.Store())
		if err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
		if s := seeds.Summary(res); s != "" {
			log.Info().Msg("seeded categories that did not exist: " + s)
		}
	}
	var reset http.Handler
	if o.RunDir != "" {
		if _, err := snapshot.Save(ns, o.RunDir, snapshot.Start, true); err != nil {
			return fmt.Errorf("taking the start snapshot: %w", err)
		}
		reset = snapshot.ResetHandler(ns, o.RunDir, srv.Reset)
	}
	log.Info().Str("namespace", ns.ID()).Str("state", store.Root()).
		Strs("cors", o.CORSOrigins).Msgf("wine-answers API on http://%s", ln.Addr())
	var ctl http.Handler
	if o.Control != nil {
		if ctl, err = o.Control(ctx); err != nil {
			return err
		}
	}
	port := Handler(Options{API: srv, Store: store, Namespace: ns.ID(), KnownNamespaces: dashboard.ConfigNamespaces(o.WranglerConfig),
		Access: control.Access{Hosts: hosts, Token: o.Token}, Edge: edge, Control: ctl, Reset: reset, Limits: lim, Log: log})
	lim.Arm()
	log.Info().Msgf("dashboard on http://%s/_arena/", ln.Addr())
	if err := answers.Serve(ctx, ln, port); err != nil {
		return fmt.Errorf("serving: %w", err)
	}
	log.Info().Msg("stopped")
	return nil
}
