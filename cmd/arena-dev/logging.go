package main

import (
	"fmt"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/urfave/cli/v2"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"ARENA_DEV_LOG_LEVEL"}},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json", EnvVars: []string{"ARENA_DEV_LOG_FORMAT"}},
	}
}

// logger is arena-dev's own diagnostic log on stderr; set up once in Before.
var logger = zerolog.New(os.Stderr)

func setupLogging(c *cli.Context) error {
	lvl, err := zerolog.ParseLevel(c.String("log-level"))
	if err != nil || lvl == zerolog.NoLevel {
		return cli.Exit(fmt.Sprintf("--log-level %q: want debug, info, warn or error", c.String("log-level")), 2)
	}
	// Durations as "21.2ms" in both formats: a bare float hides its unit.
	zerolog.DurationFieldFormat = zerolog.DurationFormatString
	switch c.String("log-format") {
	case "json":
		logger = zerolog.New(os.Stderr).Level(lvl).With().Timestamp().Logger()
	case "text":
		noColor := os.Getenv("NO_COLOR") != "" || !isatty.IsTerminal(os.Stderr.Fd())
		logger = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, NoColor: noColor, TimeFormat: "15:04:05"}).
			Level(lvl).With().Timestamp().Logger()
	default:
		return cli.Exit(fmt.Sprintf("--log-format %q: want text or json", c.String("log-format")), 2)
	}
	return nil
}
