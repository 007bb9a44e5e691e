package stack

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/sommelier-arena/arena-dev/orchestrate"
)

// WriteTable prints the services as an aligned table with their URLs.
func WriteTable(w io.Writer, statuses []orchestrate.ServiceStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSTATE\tPID\tPORT\tURL\tRESTARTS")
	for _, s := range statuses {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", s.Name, s.State, dash(s.PID), dash(s.Port), orDash(s.URL), s.Restarts)
	}
	return tw.Flush()
}

func dash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
