package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// commandCategories are the groups of `arena-dev --help`, in the order people
// look for them: run the stack, steer its services, its KV state, containers,
// testing, and the rest. urfave/cli sorts categories by name, so the app's help
// template lists them in this order itself.
var commandCategories = []struct {
	name     string
	commands []string
}{
	{"stack", []string{"up", "down", "status", "logs", "open", "serve"}},
	{"services", []string{"restart", "stop", "start"}},
	{"KV", []string{"kv", "seed", "snapshot"}},
	{"containers", []string{"compose"}},
	{"testing", []string{"conformance"}},
	{"other", []string{"init", "completion", "version", "help"}},
}

// categorize gives each command its category and puts the commands in
// commandCategories' order; a command missing there goes last, under "other".
func categorize(cmds []*cli.Command) []*cli.Command {
	of, rank := map[string]string{}, map[string]int{}
	for _, c := range commandCategories {
		for _, n := range c.commands {
			of[n], rank[n] = c.name, len(rank)
		}
	}
	for _, c := range cmds {
		if c.Category = of[c.Name]; c.Category == "" {
			c.Category, rank[c.Name] = "other", len(of)
		}
	}
	sort.SliceStable(cmds, func(i, j int) bool { return rank[cmds[i].Name] < rank[cmds[j].Name] })
	return cmds
}

// appHelpTemplate is urfave's, its command list grouped in commandCategories'
// order (urfave's own "help" command has no category: it goes to "other").
func appHelpTemplate() string {
	var b strings.Builder
	for _, c := range commandCategories {
		cond := fmt.Sprintf("eq .Category %q", c.name)
		if c.name == "other" {
			cond = fmt.Sprintf(`or (eq .Category %q) (eq .Category "")`, c.name)
		}
		fmt.Fprintf(&b, "\n   %s:{{range .VisibleCommands}}{{if %s}}\n     {{join .Names \", \"}}{{\"\\t\"}}{{.Usage}}{{end}}{{end}}", c.name, cond)
	}
	return strings.Replace(cli.AppHelpTemplate, `{{template "visibleCommandCategoryTemplate" .}}`, b.String(), 1)
}
