//go:build unix

package svclog

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

func TestLinesNeverInterleave(t *testing.T) {
	out := &testenv.SyncBuffer{}
	logs, err := NewLogs(out, LogText, ColorNever, "", []string{"a", "bb"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, name := range []string{"a", "bb"} {
		for g := 0; g < 4; g++ {
			w := logs.Writer(name, "stdout", nil)
			wg.Add(1)
			go func(name string, g int) {
				defer wg.Done()
				for i := 0; i < 300; i++ {
					line := fmt.Sprintf("%s-%d-%d %s|\n", name, g, i, strings.Repeat("y", i%97))
					// Dribble the line out in pieces of 7 bytes, as a pipe may deliver it.
					for len(line) > 0 {
						n := min(7, len(line))
						w.Write([]byte(line[:n]))
						line = line[n:]
					}
				}
			}(name, g)
		}
	}
	wg.Wait()
	testenv.CheckWholeLines(t, out.String(), map[string]int{"a": 4 * 300, "bb": 4 * 300})
}

func TestLogFormats(t *testing.T) {
	esc := "\x1b[32m[pk:inf]\x1b[0m Ready on http://0.0.0.0:1999"
	cases := []struct {
		name   string
		format LogFormat
		color  ColorMode
		check  func(t *testing.T, out string)
	}{
		{"text plain", LogText, ColorNever, func(t *testing.T, out string) {
			want := "[partykit] [pk:inf] Ready on http://0.0.0.0:1999\n[astro]    hello\n"
			if out != want {
				t.Errorf("got %q, want %q", out, want)
			}
		}},
		{"text colour", LogText, ColorAlways, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "\x1b[36m[partykit]\x1b[0m "+esc+"\n") {
				t.Errorf("want a coloured prefix and the child's own colours kept, got %q", out)
			}
		}},
		{"json", LogJSON, ColorAlways, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				t.Fatalf("want 2 JSON lines, got %q", out)
			}
			var j JSONLine
			if err := json.Unmarshal([]byte(lines[0]), &j); err != nil {
				t.Fatal(err)
			}
			if j.Service != "partykit" || j.Stream != "stderr" || j.Line != "[pk:inf] Ready on http://0.0.0.0:1999" {
				t.Errorf("got %+v", j)
			}
			if _, err := time.Parse(time.RFC3339Nano, j.Time); err != nil {
				t.Errorf("time %q: %v", j.Time, err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			out := &testenv.SyncBuffer{}
			logs, err := NewLogs(out, c.format, c.color, "", []string{"partykit", "astro"})
			if err != nil {
				t.Fatal(err)
			}
			logs.Line("partykit", "stderr", esc)
			logs.Line("astro", "stdout", "hello")
			c.check(t, out.String())
		})
	}
	t.Run("NO_COLOR wins", func(t *testing.T) {
		t.Setenv("NO_COLOR", "1")
		out := &testenv.SyncBuffer{}
		logs, _ := NewLogs(out, LogText, ColorAlways, "", []string{"a"})
		logs.Line("a", "stdout", "x")
		if strings.Contains(out.String(), "\x1b") {
			t.Errorf("colour despite NO_COLOR: %q", out.String())
		}
	})
}

func TestLineSplitter(t *testing.T) {
	var got []string
	w := &LineSplitter{emit: func(s string) { got = append(got, s) }}
	w.Write([]byte("a\r\nb"))
	w.Write([]byte("c\n\nlong:"))
	w.Write([]byte(strings.Repeat("z", MaxLineBytes)))
	w.Flush()
	want := []string{"a", "bc", "", "long:" + strings.Repeat("z", MaxLineBytes-5), strings.Repeat("z", 5)}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %.40q, want %.40q", i, got[i], want[i])
		}
	}
}

func TestStripANSI(t *testing.T) {
	for in, want := range map[string]string{
		"\x1b[2m\x1b[32m[pk:inf]\x1b[39m\x1b[22m Ready": "[pk:inf] Ready",
		"\x1b]8;;http://x\x07link\x1b]8;;\x07":          "link",
		"plain\r":                                       "plain",
	} {
		if got := StripANSI(in); got != want {
			t.Errorf("StripANSI(%q) = %q, want %q", in, got, want)
		}
	}
}
