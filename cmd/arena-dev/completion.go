package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask arena-dev itself for the candidates, with urfave's
// --generate-bash-completion (EnableBashCompletion), so they never go stale. The
// bash one reads COMP_WORDS directly: it must not need the bash-completion
// package (urfave's own script calls its _get_comp_words_by_ref).
const bashCompletion = `# bash completion for arena-dev: source <(arena-dev completion bash)
_arena_dev_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" opts
  local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  words[0]="${words[0]/#\~/$HOME}"
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o bashdefault -o default -F _arena_dev_complete arena-dev
`

const zshCompletion = `#compdef arena-dev
# zsh completion for arena-dev: source <(arena-dev completion zsh)
_arena_dev() {
  local -a opts
  local cur=${words[CURRENT]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[1,CURRENT-1]} $cur --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[1,CURRENT-1]} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _arena_dev arena-dev
`

// shells are the shells completion knows, for messages.
var shells = []string{"bash", "zsh", "fish"}

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: source <(arena-dev completion bash)",
		ArgsUsage: strings.Join(shells, "|"),
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageLine("completion", fmt.Sprintf("want one shell: %s", strings.Join(shells, ", ")))
			}
			var script string
			switch sh := c.Args().First(); sh {
			case "bash":
				script = bashCompletion
			case "zsh":
				script = zshCompletion
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return fmt.Errorf("fish completion: %w", err)
				}
				script = s
			default:
				return usageLine("completion", fmt.Sprintf("unknown shell %q; want one of %s", sh, strings.Join(shells, ", ")))
			}
			_, err := fmt.Fprint(c.App.Writer, script)
			return err
		},
	}
}
