package main

import (
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/sommelier-arena/arena-dev/answers"
	"github.com/sommelier-arena/arena-dev/control"
	"github.com/sommelier-arena/arena-dev/orchestrate"
	"github.com/sommelier-arena/arena-dev/project"
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
		Flags: append(projectFlags(),
			&cli.BoolFlag{Name: "print", Usage: "only print the URL"},
		),
		Action: openAction,
	}
}

func openAction(c *cli.Context) error {
	if err := noArgs(c); err != nil {
		return err
	}
	p, err := resolveProject(c)
	if err != nil {
		return err
	}
	url := DashboardURL(p)
	token := os.Getenv("ARENA_DEV_TOKEN") // what `serve` was given, if anything
	if rf, err := orchestrate.LiveOwner(p.RunDir); err == nil && rf != nil {
		token = rf.Token
		for _, s := range rf.Services {
			if s.Name == project.AnswersService && s.URL != "" {
				url = strings.TrimRight(s.URL, "/") + "/_arena/"
			}
		}
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

// dashboardLines are up's lines about the dashboard: its URL, and the one that
// also lets it start, stop and restart services (it carries the token once).
func dashboardLines(p *project.Project, token string) string {
	s := "dashboard: " + DashboardURL(p) + "\n"
	if token != "" {
		s += "  with service control: " + DashboardURL(p) + "?token=" + neturl.QueryEscape(token) + " (or `arena-dev open`)\n"
		if answers.BindWarning(p.Answers.Host) != "" {
			s += "  token (" + control.TokenHeader + " header; bound beyond loopback): " + token + "\n"
		}
	}
	return s
}

// runToken is the running stack's token from its run file ("" if none).
func runToken(p *project.Project) string {
	rf, err := orchestrate.ReadRunFile(p.RunDir)
	if err != nil {
		return ""
	}
	return rf.Token
}

// DashboardURL is the dashboard's address for the project's answers API.
func DashboardURL(p *project.Project) string {
	return strings.TrimRight(p.Answers.URL, "/") + "/_arena/"
}
