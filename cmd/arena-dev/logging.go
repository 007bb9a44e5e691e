package main

import (
	"os"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/urfave/cli/v2"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"ARENA_DEV_LOG_LEVEL"}},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json", EnvVars: []string{"ARENA_DEV_LOG_FORMAT"}},
	}
}

const loggerKey = "logger"

// setupLogging builds arena-dev's own diagnostic log on stderr and keeps it in
// the app's metadata for the commands (logOf).
func setupLogging(c *cli.Context) error {
	lvl, err := zerolog.ParseLevel(c.String("log-level"))
	if err != nil || lvl == zerolog.NoLevel {
		return usagef("--log-level %q: want debug, info, warn or error", c.String("log-level"))
	}
	// Durations as "21.2ms" in both formats: a bare float hides its unit.
	zerolog.DurationFieldFormat = zerolog.DurationFormatString
	var log zerolog.Logger
	switch c.String("log-format") {
	case "json":
		log = zerolog.New(os.Stderr).Level(lvl).With().Timestamp().Logger()
	case "text":
		noColor := os.Getenv("NO_COLOR") != "" || !isatty.IsTerminal(os.Stderr.Fd())
		log = zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, NoColor: noColor, TimeFormat: "15:04:05"}).
			Level(lvl).With().Timestamp().Logger()
	default:
		return usagef("--log-format %q: want text or json", c.String("log-format"))
	}
	if c.App.Metadata == nil {
		c.App.Metadata = map[string]any{}
	}
	c.App.Metadata[loggerKey] = log
	return nil
}

// logOf is the logger setupLogging made (a quiet one before it ran).
func logOf(c *cli.Context) *zerolog.Logger {
	if l, ok := c.App.Metadata[loggerKey].(zerolog.Logger); ok {
		return &l
	}
	l := zerolog.New(os.Stderr).Level(zerolog.WarnLevel)
	return &l
}

// logFormat is --log-format as the service output's format.
func logFormat(c *cli.Context) svclog.LogFormat {
	if c.String("log-format") == "json" {
		return svclog.LogJSON
	}
	return svclog.LogText
}
