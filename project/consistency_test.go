package project

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

func TestConsistency(t *testing.T) {
	for _, c := range []struct {
		fileMode            string
		fileDelay           time.Duration
		flagMode, flagDelay string
		mode                string
		delay               time.Duration
		err                 string
	}{
		{mode: "strong"},
		{fileMode: "edge", mode: "edge", delay: 60 * time.Second},
		{fileMode: "edge", fileDelay: 5 * time.Second, mode: "edge", delay: 5 * time.Second},
		{fileMode: "edge", fileDelay: 5 * time.Second, flagDelay: "250ms", mode: "edge", delay: 250 * time.Millisecond},
		{fileMode: "edge", flagMode: "strong", mode: "strong"},
		{fileMode: "strong", fileDelay: 5 * time.Second, mode: "strong"}, // a kept delay does not switch edge on
		{flagMode: "edge", flagDelay: "2m", mode: "edge", delay: 2 * time.Minute},
		{flagMode: "eventual", err: `--kv-consistency "eventual": want strong (the default) or edge`},
		{flagMode: "edge", flagDelay: "soon", err: `--kv-propagation-delay "soon": want a positive duration`},
		{flagMode: "edge", flagDelay: "0s", err: `--kv-propagation-delay "0s": want a positive duration`},
		{flagDelay: "10s", err: "applies only with --kv-consistency edge"},
	} {
		mode, delay, err := Consistency(c.fileMode, c.fileDelay, c.flagMode, c.flagDelay)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: err %v, want %q", c, err, c.err)
			}
			continue
		}
		if err != nil || mode != c.mode || delay != c.delay {
			t.Errorf("%+v: %q %v %v, want %q %v", c, mode, delay, err, c.mode, c.delay)
		}
	}
}

// arena-dev.toml's keys reach the model; the flags win; a bad value is a usage
// error naming the file's key.
func TestConsistencyFromToml(t *testing.T) {
	p := resolveToml(t, "[answers]\nkv_consistency = \"edge\"\nkv_propagation_delay = \"90s\"\n", Options{})
	if p.Answers.KVConsistency != "edge" || p.Answers.KVPropagationDelay != 90*time.Second {
		t.Fatalf("from the file: %q %v", p.Answers.KVConsistency, p.Answers.KVPropagationDelay)
	}
	p = resolveToml(t, "[answers]\nkv_consistency = \"edge\"\n", Options{KVPropagationDelay: "1s"})
	if p.Answers.KVPropagationDelay != time.Second {
		t.Fatalf("flag over file: %v", p.Answers.KVPropagationDelay)
	}
	dir := t.TempDir()
	testenv.WriteFile(t, dir+"/arena-dev.toml", "[answers]\nkv_consistency = \"eventually\"\n")
	_, err := Resolve(Options{Dir: dir})
	var ue *UsageError
	if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), "answers.kv_consistency") || !strings.Contains(err.Error(), `"eventually"`) {
		t.Fatalf("bad kv_consistency: %v", err)
	}
	_, err = Resolve(Options{Dir: t.TempDir(), KVConsistency: "edgy"})
	if err == nil || !errors.As(err, &ue) {
		t.Fatalf("bad --kv-consistency: %v, want a UsageError", err)
	}
}
