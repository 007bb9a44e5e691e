package answers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/sommelier-arena/arena-dev/internal/testenv"
)

// Past the per-second budget, or with the buffer full, requests are counted and
// summarised by status class instead of printed one by one.
func TestAccessLogBudgetAndDrops(t *testing.T) {
	tests := []struct {
		name                 string
		ok, notFound         int // records added before the flush
		wantLines, wantCount int // request lines printed; requests in the summary
		want4xx              int64
	}{
		{"under the budget", 10, 2, 12, 0, 0},
		{"over the budget", 1400, 100, maxLinesPerSecond, 500, 100},
		{"buffer full", bufferedRecords + 900, 100, maxLinesPerSecond, bufferedRecords + 1000 - maxLinesPerSecond, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs := &testenv.SyncBuffer{}
			a := newAccessLog(zerolog.New(logs), http.NotFoundHandler())
			for i := 0; i < tc.ok+tc.notFound; i++ {
				status := 200
				if i >= tc.ok {
					status = 404
				}
				a.add(accessRecord{method: "GET", uri: "/answers/color", status: status})
			}
			a.close()
			var lines, summarized int
			var summary map[string]any
			for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(l), &ev); err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				switch ev["message"] {
				case "request":
					lines++
				default:
					summarized++
					summary = ev
				}
			}
			if lines != tc.wantLines {
				t.Errorf("%d request lines, want %d", lines, tc.wantLines)
			}
			if tc.wantCount == 0 {
				if summarized != 0 {
					t.Errorf("a summary with nothing left out: %v", summary)
				}
				return
			}
			if summarized != 1 || summary["level"] != "warn" || summary["requests"] != float64(tc.wantCount) || summary["4xx"] != float64(tc.want4xx) {
				t.Errorf("summary %v; want one warning counting %d requests, %d of them 4xx", summary, tc.wantCount, tc.want4xx)
			}
		})
	}
}
