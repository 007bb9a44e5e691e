package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/answers/conformance"
	"github.com/sommelier-arena/arena-dev/parity"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

func conformanceCommand() *cli.Command {
	return &cli.Command{
		Name:  "conformance",
		Usage: "run the wine-answers conformance suite against a live API, or --diff arena-dev against the project's Worker",
		Description: "Without flags it checks the running stack's answers service (whichever mode) and puts\n" +
			"back the categories the suite replaces. --against URL checks any server: the suite\n" +
			"replaces its color, grape and vintage answers. --diff starts arena-dev's API and the\n" +
			"project's Worker (wrangler dev) on throwaway copies of the current state, sends both the\n" +
			"same requests and lists every difference. Exit 0 all pass (no difference), 1 otherwise.",
		ArgsUsage: " ",
		Flags: append(namedStackFlags(),
			&cli.StringFlag{Name: "against", Usage: "base `URL` of the API to check (default: the running stack's answers service)"},
			&cli.BoolFlag{Name: "diff", Usage: "compare arena-dev's API with the project's Worker, each on a copy of the current state"},
			&cli.StringFlag{Name: "origin", Usage: "a browser `ORIGIN` the API allows, for the CORS checks (default: the project's first)"},
			&cli.StringFlag{Name: "persist-to", Usage: "with --diff: the state to copy (default: the running stack's, else the project's)"},
			&cli.DurationFlag{Name: "timeout", Value: 90 * time.Second, Usage: "with --diff: how long the Worker may take to start"},
		),
		Action: conformanceAction,
	}
}

func conformanceAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	if c.Bool("diff") && c.String("against") != "" {
		return usagef("--diff starts both implementations itself; it takes no --against")
	}
	// A running stack is checked as it runs (its model, not the files now).
	var p *project.Project
	r, err := attachStack(c)
	var nr *stack.NotRunningError
	switch {
	case err == nil && (!c.Bool("diff") || c.String("persist-to") == ""):
		p = r.Model
	case err == nil || errors.As(err, &nr):
		if c.String("against") == "" && !c.Bool("diff") {
			return err // nothing to check
		}
		if p, err = resolveProject(c); err != nil {
			return err
		}
	default:
		return err
	}
	if c.Bool("diff") {
		return conformanceDiff(c, p)
	}
	base, restore := c.String("against"), func() error { return nil }
	if base == "" {
		base = p.Answers.URL
		// The suite starts on empty categories and replaces some: lend it the
		// user's data and put it back afterwards.
		if restore, err = parity.Borrow(p.Answers.PersistRoot, p.Answers.NamespaceID); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.App.ErrWriter, "note: the suite replaces the color, grape and vintage answers at %s\n", base)
	}
	o := conformance.Options{AllowedOrigin: c.String("origin"), Extensions: conformance.HasExtensions(base)}
	if o.AllowedOrigin == "" {
		o.AllowedOrigin = firstOrigin(p.Answers.CORSOrigins)
	}
	res := conformance.Check(base, o)
	if err := restore(); err != nil {
		return fmt.Errorf("putting the categories back: %w", err)
	}
	failed := conformance.WriteResults(c.App.Writer, base, o.Extensions, res)
	if failed > 0 {
		return cli.Exit(fmt.Sprintf("%d of %d conformance steps failed", failed, len(res)), exitFailure)
	}
	return nil
}

func firstOrigin(origins []string) string {
	for _, o := range origins {
		if o != "*" {
			return o
		}
	}
	return ""
}

func conformanceDiff(c *cli.Context, p *project.Project) error {
	fmt.Fprintf(c.App.ErrWriter, "starting arena-dev's API and the Worker (%s) on copies of %s ...\n", p.Answers.WranglerConfig, p.Answers.PersistRoot)
	rep, err := parity.Diff(c.Context, p, parity.Options{ReadyTimeout: c.Duration("timeout")})
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "arena-dev (Go) vs the Worker (wrangler dev): %d keys of namespace %s copied to each; %d requests sent to both\n",
		rep.Copied, p.Answers.NamespaceID, rep.Requests)
	fmt.Fprintf(w, "normalised: %s\n", strings.Join(parity.Normalised, "; "))
	failed := conformance.Failed(rep.Steps)
	fmt.Fprintf(w, "the suite on arena-dev meanwhile: %d passed, %d failed\n", len(rep.Steps)-failed, failed)
	if len(rep.Differences) == 0 {
		fmt.Fprintln(w, "no differences")
	} else {
		fmt.Fprintf(w, "\n%d differences:\n", len(rep.Differences))
		for _, d := range rep.Differences {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	// Both kinds of failure count: a step that fails on both sides alike is no
	// difference, but it is not a pass either.
	switch {
	case len(rep.Differences) > 0:
		return cli.Exit(fmt.Sprintf("arena-dev and the Worker differ (%d differences)", len(rep.Differences)), exitFailure)
	case failed > 0:
		return cli.Exit(fmt.Sprintf("%d of %d conformance steps failed (alike on both sides)", failed, len(rep.Steps)), exitFailure)
	}
	return nil
}
