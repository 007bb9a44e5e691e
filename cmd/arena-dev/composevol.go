package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/sommelier-arena/arena-dev/compose"
	"github.com/sommelier-arena/arena-dev/snapshot"
	"github.com/urfave/cli/v2"
)

// syncFlag is compose up's and config's --sync.
func syncFlag() cli.Flag {
	return &cli.StringFlag{Name: "sync", Value: "auto", EnvVars: []string{"ARENA_DEV_COMPOSE_SYNC"},
		Usage: "how the app and the KV state reach the containers: bind (mounts; a local engine), volume (copied into named volumes through the Engine API; any engine) or auto (bind when the engine sees the project's folder)"}
}

func parseSync(c *cli.Context) (compose.Sync, error) {
	m, err := compose.ParseSync(c.String("sync"))
	if err != nil {
		return "", usageLine(cmdName(c), err.Error())
	}
	return m, nil
}

// chooseSync settles p's sync mode on the engine (the probe needs arena-dev's
// own image, built from this binary).
func chooseSync(ctx context.Context, c *cli.Context, cli client.APIClient, p *compose.Project) error {
	m, err := parseSync(c)
	if err != nil {
		return err
	}
	bin, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding arena-dev's own binary: %w", err)
	}
	return compose.ChooseSync(ctx, cli, p, m, bin)
}

// configSync settles the sync mode for compose config, which needs no engine
// unless auto must probe one; with no engine answering, bind is what up would
// fail with, and the comment says so.
func configSync(c *cli.Context, p *compose.Project) error {
	m, err := parseSync(c)
	if err != nil {
		return err
	}
	if m != compose.SyncAuto || compose.LocalSocket() == "" {
		return compose.ChooseSync(c.Context, nil, p, m, "")
	}
	engine, err := compose.Connect(c.Context)
	if err != nil {
		p.SyncReason = "auto: no engine answers to probe, so bind"
		return nil
	}
	defer engine.Close()
	return chooseSync(c.Context, c, engine, p)
}

// composeDataCommands reach the KV state of a stack in containers, wherever its
// engine runs: arena-dev runs inside the answers container (Engine API exec),
// where the state is at its own path and the API on loopback.
func composeDataCommands() []*cli.Command {
	answersIn := func(c *cli.Context, fn func(context.Context, client.APIClient, compose.AnswersContainer) error) error {
		return withEngine(c, func(ctx context.Context, eng client.APIClient) error {
			a, err := compose.FindAnswers(ctx, eng, c.String("project"))
			if err != nil {
				return err
			}
			return fn(ctx, eng, a)
		})
	}
	run := func(ctx context.Context, c *cli.Context, eng client.APIClient, a compose.AnswersContainer, args ...string) error {
		code, err := compose.ExecAnswers(ctx, eng, a, args, c.App.Writer, c.App.ErrWriter)
		if err != nil {
			return err
		}
		if code != 0 {
			return cli.Exit("", code)
		}
		return nil
	}
	snapshotName := func(c *cli.Context) (string, error) {
		if c.NArg() != 1 {
			return "", usagef("usage: arena-dev compose snapshot %s NAME (got %d arguments)", c.Command.Name, c.NArg())
		}
		n := c.Args().First()
		if err := snapshot.CheckName(n); err != nil {
			return "", usagef("%v", err)
		}
		return n, nil
	}
	reset := func(c *cli.Context, query string) error {
		return answersIn(c, func(ctx context.Context, eng client.APIClient, a compose.AnswersContainer) error {
			return run(ctx, c, eng, a, "compose", "answers-post", "--port", a.Port, "/_arena/reset"+query)
		})
	}
	return []*cli.Command{
		{
			Name: "snapshot", Usage: "save or restore named copies of the containerised stack's KV state (kept in its state volume or folder)",
			Subcommands: []*cli.Command{
				{
					Name: "save", Usage: "copy the KV state as NAME", ArgsUsage: "NAME",
					Flags: []cli.Flag{projectFlag(), &cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace an existing snapshot of that name"}},
					Action: func(c *cli.Context) error {
						n, err := snapshotName(c)
						if err != nil {
							return err
						}
						return answersIn(c, func(ctx context.Context, eng client.APIClient, a compose.AnswersContainer) error {
							if a.RunDir == "" {
								return fmt.Errorf("the answers container of %s predates snapshots in containers: recreate it with `arena-dev compose up`", c.String("project"))
							}
							args := append([]string{"compose", "snapshot-in", "--run-dir", a.RunDir}, a.Namespace()...)
							if c.Bool("force") {
								args = append(args, "--force")
							}
							return run(ctx, c, eng, a, append(args, n)...)
						})
					},
				},
				{
					Name: "restore", Usage: "make the KV state exactly snapshot NAME (through the answers API: served at once)", ArgsUsage: "NAME",
					Flags: []cli.Flag{projectFlag()},
					Action: func(c *cli.Context) error {
						n, err := snapshotName(c)
						if err != nil {
							return err
						}
						return reset(c, "?snapshot="+url.QueryEscape(n))
					},
				},
			},
		},
		{
			Name: "reset", Usage: "put the KV state back to what the answers container started with (POST /_arena/reset inside it)",
			Flags: []cli.Flag{projectFlag()},
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return reset(c, "")
			},
		},
		{
			Name: "seed", Usage: "add the seed wine answers the containerised stack's namespace lacks",
			Flags: []cli.Flag{projectFlag(), &cli.BoolFlag{Name: "reset", Usage: "make each seeded category exactly the seeds"}},
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return answersIn(c, func(ctx context.Context, eng client.APIClient, a compose.AnswersContainer) error {
					args := append([]string{"seed"}, a.Namespace()...)
					if c.Bool("reset") {
						args = append(args, "--reset")
					}
					return run(ctx, c, eng, a, args...)
				})
			},
		},
		{
			Name: "kv-export", Usage: "write the containerised stack's KV namespace as wrangler's bulk JSON to stdout (as kv export)",
			Flags: []cli.Flag{projectFlag()},
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				return answersIn(c, func(ctx context.Context, eng client.APIClient, a compose.AnswersContainer) error {
					return run(ctx, c, eng, a, append([]string{"kv", "export"}, a.Namespace()...)...)
				})
			},
		},
		{
			Name: "sync", Usage: "copy what changed in the project folder into the app volume (volume mode's live edits; deleted files go too)",
			Flags: stackFlags(),
			Action: func(c *cli.Context) error {
				p, err := composeProject(c)
				if err != nil {
					return err
				}
				return withEngine(c, func(ctx context.Context, eng client.APIClient) error {
					if a, err := compose.FindAnswers(ctx, eng, p.Name); err == nil && a.Sync != compose.SyncVolume {
						return fmt.Errorf("project %s runs in %s mode: its containers see the folder itself, nothing to sync", p.Name, a.Sync)
					}
					p.UseVolumes("compose sync")
					start := time.Now()
					res, err := compose.SyncFiles(ctx, eng, p)
					if err != nil {
						return err
					}
					fmt.Fprintf(c.App.Writer, "synced %s into volume %s: %s in %s\n", p.Dir, p.AppVolume(), res, time.Since(start).Round(time.Millisecond))
					return nil
				})
			},
		},
		// What the commands above run inside the containers.
		{
			Name: "snapshot-in", Hidden: true, ArgsUsage: "NAME",
			Flags: append(namespaceFlags(), &cli.StringFlag{Name: "run-dir", Required: true}, &cli.BoolFlag{Name: "force"}),
			Action: func(c *cli.Context) error {
				n, err := snapshotName(c)
				if err != nil {
					return err
				}
				store, ns, _, err := openNamespace(c, true)
				if err != nil {
					return err
				}
				defer store.Close()
				info, err := snapshot.Save(ns, c.String("run-dir"), n, c.Bool("force"))
				if err != nil {
					return err
				}
				fmt.Fprintf(c.App.Writer, "saved snapshot %q: %d keys, %d bytes of values, namespace %s\n", n, info.Keys, info.Bytes, info.Namespace)
				return nil
			},
		},
		{
			Name: "answers-post", Hidden: true, ArgsUsage: "PATH",
			Flags: []cli.Flag{&cli.StringFlag{Name: "port", Required: true}},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 || !strings.HasPrefix(c.Args().First(), "/") {
					return usagef("answers-post takes one path")
				}
				resp, err := http.Post("http://127.0.0.1:"+c.String("port")+c.Args().First(), "application/json", nil)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				fmt.Fprintln(c.App.Writer, string(bytes.TrimSpace(body)))
				if resp.StatusCode/100 != 2 {
					return cli.Exit("POST "+c.Args().First()+": "+resp.Status, exitFailure)
				}
				return nil
			},
		},
		{
			Name: "volume-rm", Hidden: true, ArgsUsage: "ROOT LIST",
			Action: func(c *cli.Context) error {
				if c.NArg() != 2 {
					return usagef("volume-rm takes a root and a list file")
				}
				return compose.RemoveListed(c.Args().Get(0), c.Args().Get(1))
			},
		},
	}
}
