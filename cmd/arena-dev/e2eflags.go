package main

import "github.com/urfave/cli/v2"

// The flags test suites use, on `up` (and the consistency ones on `serve`).
func consistencyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "kv-consistency", Usage: "`strong` (default: every read sees the last write) or edge (as production KV: each location, the X-Arena-Colo header, serves what it read for the propagation delay)"},
		&cli.StringFlag{Name: "kv-propagation-delay", Usage: "edge mode's window, e.g. `60s` (the default) or 500ms"},
		&cli.StringFlag{Name: "kv-limits", Usage: "`off` (default), production (a second write to a key within 1 s fails with 429, as in production) or free (also the free plan's daily quotas); counts kept in the state folder"},
	}
}

func e2eUpFlags() []cli.Flag {
	return append(consistencyFlags(),
		&cli.StringFlag{Name: "fixtures", Usage: "load this wrangler bulk JSON `FILE` (what `kv export` writes) into the KV state at start, before seeding"},
	)
}
