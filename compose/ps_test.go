package compose

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// WritePs in each format: --format json is JSON lines with docker compose's field
// names (one object per container), --json one array, the default a table.
func TestWritePsFormats(t *testing.T) {
	rows := []ContainerStatus{
		{ID: "abc", Name: "arena-answers-1", Project: "arena", Service: "answers", State: "running", Health: "healthy",
			Status: "Up 2 minutes (healthy)", Publishers: []Publisher{{URL: "127.0.0.1", TargetPort: 8787, PublishedPort: 8787, Protocol: "tcp"}}},
		{ID: "def", Name: "arena-astro-1", Project: "arena", Service: "astro", State: "exited", ExitCode: 1, Status: "Exited (1)", Publishers: []Publisher{}},
	}
	rows[0].Ports = portsText(rows[0].Publishers)
	fields := []string{"ID", "Name", "Project", "Service", "Image", "Command", "State", "Health", "ExitCode", "Status", "Ports", "Publishers"}
	for _, tc := range []struct {
		name  string
		f     PsFormat
		check func(t *testing.T, out string)
	}{
		{"json lines", PsJSONLines, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("%d lines, want one per container:\n%s", len(lines), out)
			}
			for i, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("line %d: %v: %s", i, err, l)
				}
				for _, f := range fields {
					if _, ok := m[f]; !ok {
						t.Errorf("line %d lacks docker compose's %q: %s", i, f, l)
					}
				}
			}
			// Go's encoder writes "->" as "-\u003e", as docker compose's own output does.
			var first ContainerStatus
			if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Ports != "127.0.0.1:8787->8787/tcp" || !strings.Contains(lines[1], `"ExitCode":1`) {
				t.Errorf("values: %v\n%s", err, out)
			}
		}},
		{"json array", PsJSONArray, func(t *testing.T, out string) {
			var got []ContainerStatus
			if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 2 || got[1].Service != "astro" {
				t.Fatalf("%v %+v", err, got)
			}
		}},
		{"table", PsTable, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "127.0.0.1:8787->8787/tcp") || !strings.Contains(out, "exited") {
				t.Fatalf("table:\n%s", out)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WritePs(&b, rows, tc.f); err != nil {
				t.Fatal(err)
			}
			tc.check(t, b.String())
		})
	}
}
