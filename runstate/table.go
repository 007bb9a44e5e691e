package runstate

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteStatusTable prints services as an aligned table (NAME STATE PID PORT URL
// RESTARTS LAST ERROR), for `up` once everything is ready and for `status`.
func WriteStatusTable(w io.Writer, services []ServiceStatus) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tPID\tPORT\tURL\tRESTARTS\tLAST ERROR")
	dash := func(n int) string {
		if n == 0 {
			return "-"
		}
		return strconv.Itoa(n)
	}
	for _, s := range services {
		url, last := s.URL, s.LastError
		if url == "" {
			url = "-"
		}
		if s.State == StateReady || last == "" {
			last = "-" // an old error of a service that is now fine is noise in the table
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", s.Name, s.State, dash(s.PID), dash(s.Port), url, s.Restarts, last)
	}
	return tw.Flush()
}
