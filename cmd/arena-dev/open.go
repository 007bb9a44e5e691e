package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/sommelier-arena/arena-dev/project"
	"github.com/sommelier-arena/arena-dev/runstate"
	"github.com/urfave/cli/v2"
)

// openCommand opens the dashboard in the browser.
func openCommand() *cli.Command {
	return &cli.Command{
		Name:  "open",
		Usage: "open the dashboard (http://127.0.0.1:8787/_arena/) in the browser",
		Description: "Opens the running stack's dashboard with xdg-open (open on macOS). Without a stack\n" +
			"running it opens the project's answers address (where `arena-dev serve` listens). With\n" +
			"no opener, or with --print, it prints the URL instead; either way it exits 0.",
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
	if rf, err := runstate.LiveOwner(p.RunDir); err == nil && rf != nil {
		for _, s := range rf.Services {
			if s.Name == project.AnswersService && s.URL != "" {
				url = strings.TrimRight(s.URL, "/") + "/_arena/"
			}
		}
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
	fmt.Fprintf(out, "opening %s\n", url)
	return nil
}

// DashboardURL is the dashboard's address for the project's answers API.
func DashboardURL(p *project.Project) string {
	return strings.TrimRight(p.Answers.URL, "/") + "/_arena/"
}
