// Command arena-dev is the one-binary local development stack for Sommelier Arena:
// a Miniflare-compatible KV emulator, the wine-answers API, and a supervisor for the
// PartyKit and Astro dev servers (or the same stack as Docker containers).
//
// This package only turns flags into calls; the packages beside it do the work.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args))
}

// run executes the CLI and maps errors to exit codes: 0 ok, 1 failure, 2 usage.
func run(args []string) int {
	app := newApp()
	if err := app.Run(args); err != nil {
		var ec cli.ExitCoder
		if errors.As(err, &ec) {
			if msg := err.Error(); msg != "" {
				fmt.Fprintln(os.Stderr, "arena-dev:", msg)
			}
			return ec.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "arena-dev:", err)
		return 1
	}
	return 0
}

func newApp() *cli.App {
	return &cli.App{
		Name:                 "arena-dev",
		Usage:                "the local development stack for Sommelier Arena, offline",
		Version:              version,
		EnableBashCompletion: true,
		Flags:                globalFlags(),
		Before:               setupLogging,
		ExitErrHandler:       func(*cli.Context, error) {}, // run() prints and exits
		Commands: []*cli.Command{
			kvCommand(),
			serveCommand(),
			seedCommand(),
			upCommand(),
			downCommand(),
			statusCommand(),
			logsCommand(),
			initCommand(),
			composeCommand(),
		},
	}
}
