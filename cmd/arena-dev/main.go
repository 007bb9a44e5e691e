// Command arena-dev is the one-binary local development stack for Sommelier Arena:
// a Miniflare-compatible KV emulator, the wine-answers API, and a supervisor for the
// PartyKit and Astro dev servers (or the same stack as Docker containers).
//
// This package only turns flags into calls; the packages beside it do the work.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/sommelier-arena/arena-dev/wrangler"
	"github.com/urfave/cli/v2"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args, os.Stderr))
}

// Exit codes, as the README's table says.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitNotRunning = 3
)

// run executes the CLI and maps errors to exit codes; it is the only place that
// prints an error.
func run(args []string, stderr io.Writer) int {
	return runApp(newApp(), args, stderr)
}

// runApp is run on a given app (tests set its Writer).
func runApp(app *cli.App, args []string, stderr io.Writer) int {
	setUsageErrors(app)
	args, err := reorderArgs(app, args)
	if err == nil {
		err = app.Run(args)
	}
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "arena-dev:", msg)
	}
	return code
}

// exitCode: a bad flag, argument or configuration is 2, "not running" is 3 and
// everything else 1.
func exitCode(err error) int {
	var (
		ec cli.ExitCoder
		pu *project.UsageError
		wu *wrangler.UsageError
		cu *usageError
		nr *notRunningError
		sn *stack.NotRunningError
		lu *svclog.UnknownServiceError
		cs *compose.UnknownServiceError
	)
	switch {
	case errors.As(err, &nr), errors.As(err, &sn):
		return exitNotRunning
	case errors.As(err, &pu), errors.As(err, &wu), errors.As(err, &cu),
		errors.As(err, &lu), errors.As(err, &cs):
		return exitUsage
	case errors.As(err, &ec):
		return ec.ExitCode()
	}
	return exitFailure
}

// usageError is a wrong flag or argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// notRunningError is `status`'s exit 3: it already said so on stdout.
type notRunningError struct{}

func (*notRunningError) Error() string { return "" }

// noArgs is the check of every command that takes no positional arguments.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s takes no arguments (got %q)", cmdName(c), c.Args().First())
	}
	return nil
}

func newApp() *cli.App {
	return &cli.App{
		Name:                  "arena-dev",
		Usage:                 "the local development stack for Sommelier Arena, offline",
		Version:               version,
		EnableBashCompletion:  true,
		Flags:                 globalFlags(),
		Before:                setupLogging,
		ExitErrHandler:        func(*cli.Context, error) {}, // run() prints and exits
		CustomAppHelpTemplate: appHelpTemplate(),
		Commands: categorize(append([]*cli.Command{
			kvCommand(),
			serveCommand(),
			seedCommand(),
			upCommand(),
			downCommand(),
			statusCommand(),
			logsCommand(),
			initCommand(),
			composeCommand(),
			versionCommand(),
			completionCommand(),
			openCommand(),
			conformanceCommand(),
			snapshotCommand(),
		}, controlCommands()...)),
	}
}
