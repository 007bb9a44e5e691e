package main

import (
	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/urfave/cli/v2"
)

// serveToken is serve's token for /_arena (docs/security.md): --token or
// ARENA_DEV_TOKEN, else a random one.
func serveToken(c *cli.Context) (string, error) {
	token := c.String("token")
	if c.IsSet("token") && len(token) < 32 {
		return "", usagef("--token (or ARENA_DEV_TOKEN): want at least 32 characters (128 bits as hex), got %d", len(token))
	}
	if token != "" {
		return token, nil
	}
	return control.NewToken()
}

// warnBind, bound beyond loopback, warns what is reachable and logs the token
// with the dashboard URL that sets it as a cookie.
func warnBind(log *zerolog.Logger, host, addr, token string) {
	if w := answers.BindWarning(host); w != "" {
		log.Warn().Msg(w)
		log.Warn().Str("token", token).Msgf("the stack's token: send it as %s, or open %s once", control.TokenHeader, control.LoginURL(addr, token))
	}
}
