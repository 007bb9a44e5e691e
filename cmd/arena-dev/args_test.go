package main

import (
	"errors"
	"strings"
	"testing"
)

func TestReorderArgs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// A leaf's flags (with their values) move before its arguments.
		{"logs web1 -n 2", "logs -n 2 web1"},
		{"logs web1 -f web2", "logs -f web1 web2"}, // a bool never takes the next token
		{"logs web1 --tail=2 web2", "logs --tail=2 web1 web2"},
		{"compose logs answers --tail 5", "compose logs --tail 5 answers"},
		{"compose logs answers -n 5 -f", "compose logs -n 5 -f answers"},
		{"compose down -v", "compose down -v"}, // -v is the leaf's --volumes, not --version
		{"up --wait --timeout 1m", "up --wait --timeout 1m"},
		// Global flags after a command name go to the front.
		{"status --log-level debug", "--log-level debug status"},
		{"status --json --log-format=json", "--log-format=json status --json"},
		{"compose --log-level debug ps --json", "--log-level debug compose ps --json"},
		{"--log-level debug up", "--log-level debug up"},
		// "--" ends the flags: what follows stays an argument.
		{"logs web1 -- -n 2", "logs -- web1 -n 2"},
		{"logs -- --log-level", "logs -- --log-level"},
		// kv leaves keep their order for interspersed (`--preview false`); only
		// global flags are taken out.
		{"kv key put K --preview false V", "kv key put K --preview false V"},
		{"kv key get K --binding B --log-level debug", "--log-level debug kv key get K --binding B"},
		{"kv key get --binding --log-level K", "kv key get --binding --log-level K"}, // a value, not a flag
		{"kv key get -- --log-level", "kv key get -- --log-level"},
		// Unknown flags stay for urfave to reject; help and completion pass through.
		{"up --bogus x", "up --bogus x"},
		{"help up", "help up"},
		{"kv help key", "kv help key"},
		{"up --help", "up --help"},
		{"logs web1 --generate-bash-completion", "logs web1 --generate-bash-completion"},
		{"upp --generate-bash-completion", "upp --generate-bash-completion"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := reorderArgs(newApp(), append([]string{"arena-dev"}, strings.Fields(tc.in)...))
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got[1:], " "); g != tc.want {
				t.Fatalf("got  %q\nwant %q", g, tc.want)
			}
		})
	}
}

func TestReorderArgsUnknownCommand(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"upp", `unknown command "upp" (did you mean "up"? see arena-dev --help)`},
		{"sttaus --json", `unknown command "sttaus" (did you mean "status"? see arena-dev --help)`},
		{"--log-level debug reboot", `unknown command "reboot" (see arena-dev --help)`},
		{"kv kye get", `unknown command "kv kye" (did you mean "key"? see arena-dev kv --help)`},
		{"compose psx", `unknown command "compose psx" (did you mean "ps"? see arena-dev compose --help)`},
		{"help kv bogus", `unknown command "kv bogus" (see arena-dev kv --help)`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			_, err := reorderArgs(newApp(), append([]string{"arena-dev"}, strings.Fields(tc.in)...))
			var ue *usageError
			if !errors.As(err, &ue) || err.Error() != tc.want {
				t.Fatalf("got %v, want usage error %q", err, tc.want)
			}
		})
	}
}

func TestSuggestCommand(t *testing.T) {
	cmds := newApp().Commands
	for in, want := range map[string]string{"upp": "up", "dwon": "down", "seeds": "seed", "comp": "compose", "ver": "version", "x": "", "reboot": "", "healthcheck": ""} {
		if got := suggestCommand(in, cmds); got != want {
			t.Errorf("suggestCommand(%q) = %q, want %q", in, got, want)
		}
	}
}
