package main

import (
	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/urfave/cli/v2"
)

// serveAccess is serve's /_arena access (docs/security.md): the bind host and
// --allow-host names, and the token from --token / ARENA_DEV_TOKEN or a random
// one. Bound beyond loopback, it warns what is reachable and prints the token
// with the dashboard URL that sets it as a cookie.
func serveAccess(c *cli.Context, host, addr string) (control.Access, error) {
	token := c.String("token")
	if c.IsSet("token") && len(token) < 32 {
		return control.Access{}, usagef("--token (or ARENA_DEV_TOKEN): want at least 32 characters (128 bits as hex), got %d", len(token))
	}
	if token == "" {
		var err error
		if token, err = control.NewToken(); err != nil {
			return control.Access{}, err
		}
	}
	if w := answers.BindWarning(host); w != "" {
		log := logOf(c)
		log.Warn().Msg(w)
		log.Warn().Str("token", token).Msgf("the stack's token: send it as %s, or open %s once", control.TokenHeader, control.LoginURL(addr, token))
	}
	return control.Access{Hosts: append([]string{host}, c.StringSlice("allow-host")...), Token: token}, nil
}
