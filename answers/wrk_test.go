package answers_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// loadGen picks the load generator: Debian's wrk when it is installed (`make
// bench` installs it), else rawLoad. wrk is C and lean, so on 2 cores it leaves
// the server more of the machine than a Go generator does; the figures
// were taken with it. ARENA_BENCH_LOADGEN=go forces rawLoad.
func loadGen() string {
	if os.Getenv("ARENA_BENCH_LOADGEN") != "go" {
		if _, err := exec.LookPath("wrk"); err == nil {
			return "wrk"
		}
	}
	return "go"
}

// load runs one measurement with the generator loadGen picks.
func load(addr, path string, conns int, dur time.Duration, limit, wantBytes int) (loadResult, error) {
	if loadGen() == "wrk" {
		return wrkLoad(addr, path, conns, dur)
	}
	return rawLoad(addr, path, conns, dur, limit, wantBytes)
}

var (
	wrkRate  = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkTotal = regexp.MustCompile(`(?m)^\s+(\d+) requests in`)
	wrkPct   = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkBad   = regexp.MustCompile(`(?m)^\s+(Non-2xx or 3xx responses|Socket errors):.*$`)
)

// wrkLoad: `wrk -t1 -c<conns> -d<dur> --latency`, one thread on loopback, and its
// report parsed. Any non-2xx response or socket error fails the run.
func wrkLoad(addr, path string, conns int, dur time.Duration) (loadResult, error) {
	secs := max(int(dur/time.Second), 1)
	out, err := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(secs)+"s",
		"--timeout", "10s", "--latency", "http://"+addr+path).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	s := string(out)
	if m := wrkBad.FindString(s); m != "" {
		return loadResult{}, fmt.Errorf("wrk: %s\n%s", strings.TrimSpace(m), s)
	}
	rate, total := wrkRate.FindStringSubmatch(s), wrkTotal.FindStringSubmatch(s)
	if rate == nil || total == nil {
		return loadResult{}, fmt.Errorf("wrk: no rate in its report:\n%s", s)
	}
	var r loadResult
	r.reqPerSec, _ = strconv.ParseFloat(rate[1], 64)
	r.requests, _ = strconv.Atoi(total[1])
	for _, m := range wrkPct.FindAllStringSubmatch(s, -1) {
		d, err := time.ParseDuration(m[2] + m[3])
		if err != nil {
			return loadResult{}, fmt.Errorf("wrk: latency %q: %v", m[0], err)
		}
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if r.requests == 0 || r.p99 == 0 {
		return loadResult{}, fmt.Errorf("wrk: no requests or no p99 in its report:\n%s", s)
	}
	return r, nil
}
