//go:build unix

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// floodLines makes n real log lines: requests to the answers API, paced well
// under its access log's 1,000 printed lines a second so that every one is
// printed. The pace is kept between requests, not against a schedule: after a
// stall on a busy machine a schedule would catch up in a burst over the budget.
func floodLines(t *testing.T, base string, n int) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	const gap = time.Second / 600
	last := time.Now().Add(-gap)
	for i := range n {
		time.Sleep(time.Until(last.Add(gap))) // pacing, not a wait for readiness
		last = time.Now()
		res, err := client.Get(fmt.Sprintf("%s/healthz?flood=%d", base, i))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
}

// checkTenThousandLines: with the logs panel paused, 10,000 real lines arrive; the
// view does not move, then on resume it shows the newest, keeps at most 500 rows,
// and a search over the 10,000 re-renders quickly.
func checkTenThousandLines(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	const n = 10_000
	before := evalJS[float64](t, ctx, `window.__arenaLogs.count()`)
	click(t, ctx, "#log-pause")
	first := evalJS[string](t, ctx, `document.querySelector("#log-view").lastElementChild.textContent`)
	floodLines(t, base, n)
	waitJS(t, ctx, "10,000 lines received", fmt.Sprintf(`window.__arenaLogs.count() + window.__arenaLogs.missed() >= %v`, before+n),
		`document.querySelector("#log-count").textContent + " | " + [...document.querySelectorAll("#log-view .ln")].map(l => l.textContent).filter(t => t.includes("not printed")).join(" | ")`)
	if missed := evalJS[float64](t, ctx, `window.__arenaLogs.missed()`); missed != 0 {
		t.Errorf("the page missed %v lines: its stream fell behind", missed)
	}
	if now := evalJS[string](t, ctx, `document.querySelector("#log-view").lastElementChild.textContent`); now != first {
		t.Errorf("the paused view moved: last line %q, then %q", first, now)
	}
	click(t, ctx, "#log-pause") // resume
	waitJS(t, ctx, "the newest line after resume", fmt.Sprintf(`document.querySelector("#log-view").lastElementChild.textContent.includes("flood=%d")`, n-1), `document.querySelector("#log-view").lastElementChild.textContent`)
	rows := evalJS[float64](t, ctx, `window.__arenaLogs.rows()`)
	if rows > 500 {
		t.Errorf("%v log rows in the page, want at most 500", rows)
	}
	ms := evalJS[float64](t, ctx, `(() => { const i = document.querySelector("#log-search"); const t0 = performance.now();
		i.value = "flood=99"; i.dispatchEvent(new Event("input")); document.body.getBoundingClientRect(); return performance.now() - t0; })()`)
	shown := evalJS[float64](t, ctx, `window.__arenaLogs.rows()`)
	t.Logf("logs: %v lines received, %v rows in the page; a search over them re-rendered in %.1f ms (%v matches shown)", before+n, rows, ms, shown)
	if shown != 111 { // flood=99, 990..999, 9900..9999
		t.Errorf("search flood=99 shows %v rows, want 111", shown)
	}
	if ms > 250 {
		t.Errorf("a search over 10,000 lines took %.0f ms, want under 250", ms)
	}
	if err := setSearch(ctx, ""); err != nil {
		t.Fatal(err)
	}
}

func setSearch(ctx context.Context, v string) error {
	_, err := evalJSErr(ctx, fmt.Sprintf(`(() => { const i = document.querySelector("#log-search"); i.value = %q; i.dispatchEvent(new Event("input")); return true; })()`, v))
	return err
}
