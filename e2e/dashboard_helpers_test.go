//go:build unix

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pageTimeout bounds every wait on the dashboard page.
const pageTimeout = 30 * time.Second

// waitJS polls expr in the page until it is true, failing with dump's value
// (what the page shows instead) after the deadline.
func waitJS(t *testing.T, ctx context.Context, what, expr, dump string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(pageTimeout))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[any](dump))
		t.Fatalf("%s: not within %s (%v); the page shows %v", what, pageTimeout, err, got)
	}
}

// evalJS evaluates expr in the page.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// click clicks the element with a real mouse event, once it is visible.
func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, pageTimeout)
	defer cancel()
	if err := chromedp.Do(tctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
}

// screenshot writes a PNG of the whole page to dir (and, when
// ARENA_DEV_SCREENSHOTS names a directory, there too: how docs/ gets them).
func screenshot(t *testing.T, ctx context.Context, dir, name string, width int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, d := range []string{dir, os.Getenv("ARENA_DEV_SCREENSHOTS")} {
		if d == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot %s: %d bytes, %dpx wide", name, len(png), width)
}

// firstLoad is one cold load of the dashboard as Chromium saw it.
type firstLoad struct {
	Bytes          int64   // bytes received (headers and bodies) for every request, streams included
	Requests       int     // requests made
	ServicesFilled float64 // ms from navigation start until the services table was filled
	DOMContent     float64 // ms to DOMContentLoaded
}

// measureFirstLoad loads url in a new tab with the cache disabled, waits until
// the services panel is filled, and reads Chromium's own counts: the network
// domain's bytes per request (CDP) and the page's performance clock.
func measureFirstLoad(t *testing.T, parent context.Context, url string) firstLoad {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	defer cancel()
	var mu sync.Mutex
	finished := map[network.RequestID]float64{}
	streamed := map[network.RequestID]int64{}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventLoadingFinished:
			finished[e.RequestID] = e.EncodedDataLength
		case *network.EventDataReceived:
			streamed[e.RequestID] += e.EncodedDataLength
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "services panel filled", `typeof window.__arenaServicesFilled === "number"`, `document.body.innerText.slice(0, 300)`)
	// The rest of the first load: answers, KV keys and usage shown, the log tail in.
	waitJS(t, ctx, "page settled", `document.querySelectorAll("#ans-lists .cat").length === 5 && document.querySelector("#kv-keys button") !== null &&
		document.querySelector("#usage-reads .bar") !== null && document.querySelector("#log-view .ln") !== null`, `document.body.innerText.slice(0, 300)`)
	fl := firstLoad{
		ServicesFilled: evalJS[float64](t, ctx, `window.__arenaServicesFilled`),
		DOMContent:     evalJS[float64](t, ctx, `performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd`),
	}
	mu.Lock()
	defer mu.Unlock()
	ids := map[network.RequestID]bool{}
	for id, n := range finished {
		fl.Bytes += int64(n)
		ids[id] = true
	}
	for id, n := range streamed {
		if !ids[id] { // a stream still open: what it has received so far
			fl.Bytes += n
			ids[id] = true
		}
	}
	fl.Requests = len(ids)
	return fl
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

var _ = fmt.Sprint

func evalJSErr(ctx context.Context, expr string) (any, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[any](expr))
}
