// Package browser launches Debian's headless Chromium through chromedp for the
// end-to-end tests: a fixed set of flags that keep it offline and quiet, a fresh
// profile (user data dir) per launch, and a loud failure, never a skip, when
// chromium is not installed.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
)

// DefaultPath is where Debian's chromium package puts the browser.
const DefaultPath = "/usr/bin/chromium"

// Flags are the command line switches every launch gets (besides --user-data-dir,
// a fresh temporary directory chromedp creates and removes, and
// --remote-debugging-port=0, which chromedp adds). Nothing may phone home: the
// background, component-update and sync switches stop Chromium's own network
// traffic; QUIC is off so every request is plain TCP to the local servers.
var Flags = []string{
	"--headless",
	"--no-sandbox", // tests run as root in containers, where the sandbox cannot start
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage", // small /dev/shm in containers crashes renderers
	"--no-proxy-server",       // the pages under test are all on loopback
}

// Options tune a launch; the zero value is the default.
type Options struct {
	Path   string    // the browser; DefaultPath when empty
	Output io.Writer // the browser's stdout and stderr; discarded when nil
	// StartTimeout bounds the launch (process start and the first tab); 30s when zero.
	StartTimeout time.Duration
}

// Browser is a running Chromium with one tab open.
type Browser struct {
	tab         context.Context
	cancelTab   context.CancelFunc
	cancelAlloc context.CancelFunc
	pid         int
}

// Launch starts Chromium and opens its first tab. Cancelling ctx kills the browser;
// Close is the orderly way.
func Launch(ctx context.Context, opt Options) (*Browser, error) {
	path := opt.Path
	if path == "" {
		path = DefaultPath
	}
	if fi, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("chromium not found at %s (%v): install Debian's chromium (apt-get install -y chromium)", path, err)
	} else if fi.IsDir() {
		return nil, fmt.Errorf("chromium path %s is a directory, not the browser", path)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path)}
	for _, f := range Flags {
		opts = append(opts, chromedp.Flag(f[2:], true))
	}
	if opt.Output != nil {
		opts = append(opts, chromedp.CombinedOutput(opt.Output))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)

	timeout := opt.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	// chromedp starts the browser on the first Run/Do; bound it without tying the
	// browser's life to this timeout (a derived context would close the tab).
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(tab) }()
	var err error
	select {
	case err = <-started:
	case <-time.After(timeout):
		err = fmt.Errorf("no browser tab after %s", timeout)
	}
	if err != nil {
		cancelTab()
		cancelAlloc()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	b := &Browser{tab: tab, cancelTab: cancelTab, cancelAlloc: cancelAlloc}
	if c := chromedp.FromContext(tab); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			b.pid = p.Pid
		}
	}
	return b, nil
}

// Tab is the context of the first tab: pass it (or a context derived from it with
// a timeout) to chromedp.Run.
func (b *Browser) Tab() context.Context { return b.tab }

// NewTab opens another tab; cancel closes it.
func (b *Browser) NewTab() (context.Context, context.CancelFunc) {
	return chromedp.NewContext(b.tab)
}

// PID is the browser process's id (0 if unknown).
func (b *Browser) PID() int { return b.pid }

// Close closes the browser and waits for it to exit; chromedp then removes the
// profile directory and kills any of the browser's children left behind.
func (b *Browser) Close() error {
	err := chromedp.Cancel(b.tab)
	b.cancelTab()
	b.cancelAlloc()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// New launches a browser for a test and closes it when the test ends. A missing
// chromium fails the test: the browser tests are part of the suite, and `make test`
// installs chromium first.
func New(t testing.TB) *Browser {
	t.Helper()
	out := &svclog.Tail{Max: 64 << 10} // it logs a lot of harmless D-Bus noise in containers, shown only when the test fails
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium output (last %d bytes):\n%s", out.Max, out.String())
		}
	})
	return newWith(t, Options{Output: out})
}

func newWith(t testing.TB, opt Options) *Browser {
	t.Helper()
	b, err := Launch(context.Background(), opt)
	if err != nil {
		t.Fatalf("browser: %v", err)
		return nil
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Logf("browser: close: %v", err)
		}
	})
	return b
}
