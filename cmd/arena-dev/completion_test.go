package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// completionScript is `arena-dev completion SHELL` from the real app, in a file.
func completionScript(t *testing.T, shell string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	app := newApp()
	app.Writer = &out
	if code := runApp(app, []string{"arena-dev", "completion", shell}, &errOut); code != 0 {
		t.Fatalf("completion %s: exit %d: %s", shell, code, errOut.String())
	}
	path := filepath.Join(t.TempDir(), "arena-dev."+shell)
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
	return path
}

// Every script parses in its shell (zsh and fish only where installed).
func TestShellCompletionScriptsParse(t *testing.T) {
	for shell, check := range map[string][]string{"bash": {"bash", "-n"}, "zsh": {"zsh", "-n"}, "fish": {"fish", "--no-execute"}} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(check[0]); err != nil {
				t.Skipf("%s is not installed", check[0])
			}
			script := completionScript(t, shell)
			if out, err := exec.Command(check[0], append(check[1:], script)...).CombinedOutput(); err != nil {
				t.Fatalf("%s %v: %v\n%s", check[0], check[1:], err, out)
			}
		})
	}
}

// The bash script really completes: bash sources it, sets COMP_WORDS as readline
// would, calls the completion function, which runs the built arena-dev with
// --generate-bash-completion.
func TestBashCompletionCompletes(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	bin := testenv.ArenaDev(t) // named arena-dev: found on PATH by the script
	script := completionScript(t, "bash")
	for _, tc := range []struct {
		words string // the words typed; the last one is being completed
		want  string
		not   string
	}{
		{"arena-dev ", "up", ""},
		{"arena-dev st", "status", "up"},
		{"arena-dev compose p", "ps", "logs"},
		{"arena-dev kv key ", "get", ""},
		{"arena-dev logs --ta", "--tail", ""},
	} {
		t.Run(tc.words, func(t *testing.T) {
			words := strings.Split(tc.words, " ")
			var quoted []string
			for _, w := range words {
				quoted = append(quoted, "'"+w+"'")
			}
			prog := "source " + script + "\n" +
				"COMP_WORDS=(" + strings.Join(quoted, " ") + ")\n" +
				"COMP_CWORD=" + strconv.Itoa(len(words)-1) + "\n" +
				"_arena_dev_complete\n" +
				`printf '%s\n' "${COMPREPLY[@]}"` + "\n"
			cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
			cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			got := strings.Fields(string(out))
			if !contains(got, tc.want) || (tc.not != "" && contains(got, tc.not)) {
				t.Fatalf("COMPREPLY = %q, want %q in it (and not %q)", got, tc.want, tc.not)
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// fish's script is static (urfave's ToFishCompletion); fish itself lists the
// candidates with `complete -C`, where it is installed.
func TestFishCompletionCompletes(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish is not installed")
	}
	script := completionScript(t, "fish")
	out, err := exec.Command(fish, "--no-config", "-c", "source "+script+"; complete -C 'arena-dev st'").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "status\t") {
		t.Fatalf("%v: %s", err, out)
	}
}
