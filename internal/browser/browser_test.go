//go:build unix

package browser

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A page whose text only exists once its script ran: proves the browser loads
// a page from a loopback server and executes JavaScript.
const scriptedPage = `<!doctype html><html><body><p id="out">static</p>
<script>document.getElementById("out").textContent = "from script " + (6 * 7);</script>
</body></html>`

func TestLaunchRendersScriptedPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, scriptedPage)
	}))
	defer srv.Close()

	b := New(t)
	ctx, cancel := context.WithTimeout(b.Tab(), 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("#out")))
	if err != nil {
		t.Fatalf("text: %v", err)
	}
	if got != "from script 42" {
		t.Fatalf("page text = %q, want the script's output", got)
	}

	// A second tab shares the browser.
	tab, closeTab := b.NewTab()
	defer closeTab()
	tctx, tcancel := context.WithTimeout(tab, 30*time.Second)
	defer tcancel()
	if err := chromedp.Do(tctx, chromedp.Navigate(srv.URL+"/second")); err != nil {
		t.Fatalf("second tab: %v", err)
	}
	got, err = chromedp.Run(tctx, chromedp.Evaluate[string](`document.getElementById("out").textContent`))
	if err != nil || got != "from script 42" {
		t.Fatalf("second tab text = %q, %v", got, err)
	}
}

func TestLaunchFlagsAndFreshProfile(t *testing.T) {
	var dirs []string
	for i := 0; i < 2; i++ {
		b, err := Launch(context.Background(), Options{})
		if err != nil {
			t.Fatalf("launch: %v", err)
		}
		pid := b.PID()
		if pid == 0 {
			b.Close()
			t.Fatal("no browser pid")
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			b.Close()
			t.Fatalf("reading the browser's command line: %v", err)
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		// Debian's /usr/bin/chromium is a shell wrapper that execs the real binary.
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || !strings.Contains(exe, "chromium") {
			t.Errorf("browser pid %d runs %q (%v), want Debian's chromium", pid, exe, err)
		}
		have := map[string]bool{}
		dir := ""
		for _, a := range args[1:] {
			have[a] = true
			if v, ok := strings.CutPrefix(a, "--user-data-dir="); ok {
				dir = v
			}
		}
		for _, f := range Flags {
			if !have[f] {
				t.Errorf("browser started without %s; args %q", f, args)
			}
		}
		if dir == "" {
			t.Errorf("no --user-data-dir in %q", args)
		} else if _, err := os.Stat(dir); err != nil {
			t.Errorf("profile dir %s missing while the browser runs: %v", dir, err)
		}
		dirs = append(dirs, dir)
		if err := b.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		// Close waits for the browser: the process is gone (not even a zombie
		// of ours) and the profile is removed.
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("browser pid %d still exists after Close", pid)
		}
		if dir != "" {
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("profile dir %s still there after Close (err %v)", dir, err)
			}
		}
	}
	if len(dirs) == 2 && dirs[0] == dirs[1] {
		t.Errorf("both launches used the profile %s; want a fresh one each", dirs[0])
	}
}

func TestLaunchMissingBrowser(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"absent", filepath.Join(t.TempDir(), "no-chromium"), "chromium not found at"},
		{"directory", t.TempDir(), "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Launch(context.Background(), Options{Path: tt.path})
			if err == nil {
				b.Close()
				t.Fatalf("Launch(%s) succeeded", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("error %q does not say %q and name %s", err, tt.want, tt.path)
			}
		})
	}
}

// fatalRecorder is a testing.TB that records Fatalf/Skip instead of stopping.
type fatalRecorder struct {
	testing.TB
	fatal, skipped bool
	msg            string
}

func (r *fatalRecorder) Helper()                   {}
func (r *fatalRecorder) Fatalf(f string, a ...any) { r.fatal, r.msg = true, fmt.Sprintf(f, a...) }
func (r *fatalRecorder) Skipf(string, ...any)      { r.skipped = true }
func (r *fatalRecorder) Skip(...any)               { r.skipped = true }
func (r *fatalRecorder) SkipNow()                  { r.skipped = true }

// A missing chromium must fail the test, never skip it.
func TestNewFailsWithoutBrowser(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	if b := newWith(rec, Options{Path: filepath.Join(t.TempDir(), "chromium")}); b != nil {
		b.Close()
	}
	if rec.skipped || !rec.fatal {
		t.Fatalf("missing chromium: fatal=%v skipped=%v, want a failure", rec.fatal, rec.skipped)
	}
	if !strings.Contains(rec.msg, "apt-get install -y chromium") {
		t.Errorf("failure %q does not say how to install chromium", rec.msg)
	}
}
