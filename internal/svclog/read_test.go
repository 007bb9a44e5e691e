package svclog

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

func writeLogs(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		testenv.WriteFile(t, filepath.Join(dir, name+".log"), content)
	}
}

func TestPrintLogsMergesInTimeOrder(t *testing.T) {
	dir := t.TempDir()
	writeLogs(t, dir, map[string]string{
		"astro":    "2026-11-27T10:00:00.100Z stdout a1\n2026-11-27T10:00:00.300Z stdout a2\n",
		"partykit": "2026-11-27T10:00:00.200Z stderr p1\n2026-11-27T10:00:00.400Z stdout p2\n",
	})
	cases := []struct {
		name     string
		services []string
		tail     int
		want     []string
		wantErr  string
	}{
		{name: "all", tail: -1, want: []string{"[astro]    a1", "[partykit] p1", "[astro]    a2", "[partykit] p2"}},
		{name: "tail 1 each", tail: 1, want: []string{"[astro]    a2", "[partykit] p2"}},
		{name: "one service", services: []string{"partykit"}, tail: -1, want: []string{"[partykit] p1", "[partykit] p2"}},
		{name: "unknown service", services: []string{"db"}, wantErr: `no log for service "db" (have astro, partykit)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			err := PrintLogs(context.Background(), dir, LogsOptions{Services: c.services, Tail: c.tail, Out: &out, Color: ColorNever})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestPrintLogsNoLogs(t *testing.T) {
	err := PrintLogs(context.Background(), t.TempDir(), LogsOptions{Tail: -1, Out: &bytes.Buffer{}})
	if err == nil || !strings.Contains(err.Error(), "has `arena-dev up` run") {
		t.Fatalf("err %v", err)
	}
}

func TestPrintLogsFollowsAppendedLines(t *testing.T) {
	dir := t.TempDir()
	writeLogs(t, dir, map[string]string{"astro": "2026-11-27T10:00:00.100Z stdout old\n"})
	out := &testenv.SyncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- PrintLogs(ctx, dir, LogsOptions{Tail: 0, Follow: true, Out: out, Color: ColorNever})
	}()
	f, err := os.OpenFile(filepath.Join(dir, "astro.log"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A line written in two pieces is printed once, whole.
	if _, err := f.WriteString("2026-11-27T10:00:01.000Z stdout ne"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let one poll see the partial line (not a readiness wait)
	if _, err := f.WriteString("w line\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "new line") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "[astro] new line\n" {
		t.Fatalf("followed output %q, want only the new line, whole", got)
	}
}
