package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteResults prints the suite's results at base as a table of steps, then
// each failure, then the counts; it returns how many steps failed.
func WriteResults(w io.Writer, base string, ext bool, res []Result) (failed int) {
	fmt.Fprintf(w, "conformance of %s (arena-dev extensions: %v)\n\n", base, ext)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tRESULT")
	for _, r := range res {
		verdict := "pass"
		if !r.Passed() {
			verdict, failed = "FAIL", failed+1
		}
		fmt.Fprintf(tw, "%s\t%s\n", r.Name, verdict)
	}
	tw.Flush()
	for _, r := range res {
		for _, f := range r.Failures {
			fmt.Fprintf(w, "  %s: %s\n", r.Name, strings.TrimSpace(f))
		}
	}
	fmt.Fprintf(w, "\n%d passed, %d failed\n", len(res)-failed, failed)
	return failed
}

// Failed counts the steps that failed.
func Failed(res []Result) int {
	n := 0
	for _, r := range res {
		if !r.Passed() {
			n++
		}
	}
	return n
}

// HasExtensions says whether base is arena-dev's own API (it answers GET
// /_arena/usage; a Worker does not), to be checked with Options.Extensions.
func HasExtensions(base string) bool {
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(strings.TrimRight(base, "/") + "/_arena/usage")
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var u struct {
		Day string `json:"day"`
	}
	return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(&u) == nil && u.Day != ""
}
