package main

import (
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
