package main

import (
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"runtime"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/sommelier-arena/arena-dev/stack"
	"github.com/urfave/cli/v2"
)

// openCommand opens the dashboard in the browser.
func openCommand() *cli.Command {
	return &cli.Command{
		Name:  "open",
		Usage: "open the dashboard (http://127.0.0.1:8787/_arena/) in the browser",
		Description: "Opens the running stack's dashboard with xdg-open (open on macOS), with the stack's\n" +
			"token once in the URL: the page keeps it as a cookie, which lets it start, stop and restart\n" +
			"services (docs/security.md). Without a stack running it opens the project's answers address\n" +
			"(where `arena-dev serve` listens; with ARENA_DEV_TOKEN set, carrying that token). With no\n" +
			"opener, or with --print, it prints the URL instead; either way it exits 0.",
		ArgsUsage: " ",
		Flags: append(namedStackFlags(),
			&cli.BoolFlag{Name: "print", Usage: "only print the URL"},
		),
		Action: openAction,
	}
}

func openAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	url, token, err := dashboardURL(c)
	if err != nil {
		return err
	}
	shown := url // what the terminal shows when a browser gets the URL
	if token != "" {
		// Once: the dashboard turns it into its cookie and redirects to the
		// clean URL (docs/security.md).
		url += "?token=" + neturl.QueryEscape(token)
		shown += " (with the stack's token)"
	}
	out := c.App.Writer
	if c.Bool("print") {
		fmt.Fprintln(out, url)
		return nil
	}
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	path, err := exec.LookPath(opener)
	if err != nil {
		fmt.Fprintf(out, "%s\n(no %s here: open it in your browser)\n", url, opener)
		return nil
	}
	cmd := exec.Command(path, url)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(out, "%s\n(%s failed: %v; open it in your browser)\n", url, opener, err)
		return nil
	}
	go func() { _ = cmd.Wait() }()
	fmt.Fprintf(out, "opening %s\n", shown)
	return nil
}

// dashboardURL is the running stack's dashboard and token, else where the
// project's answers port would serve it and ARENA_DEV_TOKEN (what `serve` was
// given, if anything).
func dashboardURL(c *cli.Context) (string, string, error) {
	r, err := attachStack(c)
	if err == nil {
		return r.DashboardURL(), r.RunFile.Token, nil
	}
	var nr *stack.NotRunningError
	if !errors.As(err, &nr) {
		return "", "", err
	}
	p, err := resolveProject(c)
	if err != nil {
		return "", "", err
	}
	return stack.DashboardURL(p), os.Getenv("ARENA_DEV_TOKEN"), nil
}

// dashboardLines are up's lines about the dashboard: its URL, and the one that
// also lets it start, stop and restart services (it carries the token once).
func dashboardLines(p *project.Project, token string) string {
	s := "dashboard: " + stack.DashboardURL(p) + "\n"
	if token != "" {
		s += "  with service control: " + stack.DashboardURL(p) + "?token=" + neturl.QueryEscape(token) + " (or `arena-dev open`)\n"
		if answers.BindWarning(p.Answers.Host) != "" {
			s += "  token (" + control.TokenHeader + " header; bound beyond loopback): " + token + "\n"
		}
	}
	return s
}

// runToken is the running stack's token from its run file ("" if none).
func runToken(p *project.Project) string {
	rf, err := runstate.ReadRunFile(p.RunDir)
	if err != nil {
		return ""
	}
	return rf.Token
}
