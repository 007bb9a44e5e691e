package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const conventionsToml = kvTestToml + `
[env.staging]
kv_namespaces = [ { binding = "ANSWERS", id = "staging-id" } ]
`

// TestCLIConventions runs the real app in process over invocations that exercise
// issue 9's conventions, and checks each exit code against the README's table (0
// ok, 1 failure, 2 bad usage or configuration, 3 status not running) and that an
// error is one line on stderr naming what was wrong.
func TestCLIConventions(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	must(t, os.WriteFile("wrangler.toml", []byte(conventionsToml), 0o644))
	must(t, os.WriteFile("keys.json", []byte(`["k"]`), 0o644))
	logs := filepath.Join(dir, ".wrangler", "arena-dev", "logs")
	must(t, os.MkdirAll(logs, 0o755))
	must(t, os.WriteFile(filepath.Join(logs, "web1.log"), []byte("first\nsecond\nthird\n"), 0o644))

	for _, tc := range []struct {
		args    string
		code    int
		stderr  string // the one line stderr must contain ("" = stderr empty)
		stdout  string // stdout must contain this
		without string // and must not contain this
	}{
		// Unknown commands and flags: one line, a hint, exit 2.
		{"upp", 2, `arena-dev: unknown command "upp" (did you mean "up"? see arena-dev --help)`, "", ""},
		{"reboot", 2, `arena-dev: unknown command "reboot" (see arena-dev --help)`, "", ""},
		{"restart", 2, "arena-dev: restart needs at least one SERVICE", "", ""},
		{"kv bogus", 2, `arena-dev: unknown command "kv bogus" (see arena-dev kv --help)`, "", ""},
		{"help upp", 2, `unknown command "upp"`, "", ""},
		{"up --bogus", 2, "arena-dev: up: unknown flag --bogus (see arena-dev up --help)", "", ""},
		{"--bogus status", 2, "arena-dev: unknown flag --bogus (see arena-dev --help)", "", ""},
		{"compose logs answers --bogus", 2, "arena-dev: compose logs: unknown flag --bogus (see arena-dev compose logs --help)", "", ""},
		{"kv key get k --bogus", 2, "arena-dev: kv key get: unknown flag --bogus (see arena-dev kv key get --help)", "", ""},
		{"up --port", 2, "up: flag --port needs a value", "", ""},
		{"logs -n many", 2, `logs: invalid value "many" for flag -n`, "", ""},
		{"init --dir . extra", 2, `init takes no arguments (got "extra")`, "", ""},
		// Flags after arguments, global flags after the subcommand.
		{"logs web1 -n 2", 0, "", "second", "first"},
		{"logs web1 --tail=1", 0, "", "third", "second"},
		{"logs -n 1 -- web1", 0, "", "third", "second"},
		{"status --log-level debug --json", 3, "", `"running": false`, ""},
		{"status --dir . --log-level bogus", 2, `--log-level "bogus"`, "", ""},
		{"status", 3, "", "arena-dev is not running in", ""},
		{"down --log-format json", 0, "", "not running", ""},
		{"kv key put k v --binding OTHER --log-level warn", 0, "", `to key "k" on namespace other-ns`, ""},
		// version and completion.
		{"version", 0, "", "arena-dev " + version + "\ngo", ""},
		{"completion bash", 0, "", "complete -o bashdefault -o default -F _arena_dev_complete arena-dev", ""},
		{"completion zsh", 0, "", "compdef _arena_dev arena-dev", ""},
		{"completion fish", 0, "", "complete -c arena-dev", ""},
		{"completion bogus", 2, `arena-dev: completion: unknown shell "bogus"`, "", ""},
		{"completion", 2, "completion: want one shell", "", ""},
		// wrangler's kv flags.
		{"kv key put k v --binding OTHER --local", 0, "", "on namespace other-ns", ""},
		{"kv key get k --binding OTHER --local false", 0, "", "v", ""},
		{"kv key get k --binding OTHER --remote", 2, "kv key get: --remote: arena-dev serves only local state", "", ""},
		{"seed --remote", 2, "seed: --remote", "", ""},
		{"kv bulk delete keys.json --binding OTHER -f", 0, "", "", ""},
		{"kv bulk delete --force keys.json --binding OTHER", 0, "", "", ""},
		{"kv key put k v --binding ANSWERS --env staging", 0, "", "on namespace staging-id", ""},
		{"kv key list -e staging --binding ANSWERS", 0, "", `"name": "k"`, ""},
		{"kv key get k --binding ANSWERS --env nope", 2, `--env nope: no environment "nope"`, "", ""},
		{"serve --env nope --port 1", 2, `no environment "nope"`, "", ""},
		// Failures that are not usage: exit 1.
		{"kv key get absent --binding OTHER", 1, "Value not found", "", ""},
		{"kv key get k --binding OTHER --config absent.toml", 2, "absent.toml does not exist", "", ""},
		// compose: usage checked before the engine is asked.
		{"compose ps --format yaml", 2, `compose ps: --format "yaml": want table or json`, "", ""},
		{"compose ps --json --format json", 2, "--json and --format exclude each other", "", ""},
		{"compose logs -n x", 2, `compose logs: --tail "x"`, "", ""},
		{"compose up answers", 2, `compose up takes no arguments (got "answers")`, "", ""},
		{"compose down extra -v", 2, `compose down takes no arguments (got "extra")`, "", ""},
		{"compose ps answers", 2, `compose ps takes no arguments`, "", ""},
		{"version extra", 2, `version takes no arguments`, "", ""},
	} {
		t.Run(tc.args, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			app := newApp()
			app.Writer, app.ErrWriter = &stdout, &stderr
			code := runApp(app, append([]string{"arena-dev"}, strings.Fields(tc.args)...), &stderr)
			errOut := stderr.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstderr: %s\nstdout: %s", code, tc.code, errOut, stdout.String())
			}
			switch {
			case tc.stderr == "" && errOut != "":
				t.Errorf("stderr: %q, want nothing", errOut)
			case tc.stderr != "" && (strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.stderr)):
				t.Errorf("stderr: %q, want one line with %q", errOut, tc.stderr)
			}
			if !strings.Contains(stdout.String(), tc.stdout) || (tc.without != "" && strings.Contains(stdout.String(), tc.without)) {
				t.Errorf("stdout: %q, want %q without %q", stdout.String(), tc.stdout, tc.without)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
