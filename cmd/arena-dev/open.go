package main

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"

	"github.com/sommelier-arena/arena-dev/stack"
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
	url, err := dashboardURL(c)
	if err != nil {
		return err
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

// dashboardURL is the running stack's dashboard, else where the project's
// answers port would serve it.
func dashboardURL(c *cli.Context) (string, error) {
	r, err := attachStack(c)
	if err == nil {
		return r.DashboardURL(), nil
	}
	var nr *stack.NotRunningError
	if !errors.As(err, &nr) {
		return "", err
	}
	p, err := resolveProject(c)
	if err != nil {
		return "", err
	}
	return stack.DashboardURL(p), nil
}
