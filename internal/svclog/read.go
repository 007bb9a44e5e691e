package svclog

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// LogsOptions select what `arena-dev logs` prints.
type LogsOptions struct {
	Services []string // none = every service with a log file
	Tail     int      // last N lines of each service first; < 0 = all
	Follow   bool     // then keep printing new lines until ctx ends
	Out      io.Writer
	Format   LogFormat
	Color    ColorMode
}

// PrintLogs prints the per-service log files in dir (of a stack running or not),
// merged in time order and prefixed like `up`, and with Follow keeps going.
func PrintLogs(ctx context.Context, dir string, o LogsOptions) error {
	names, err := logNames(dir, o.Services)
	if err != nil {
		return err
	}
	logs, err := NewLogs(o.Out, o.Format, o.Color, "", names)
	if err != nil {
		return err
	}
	readers := make([]*logReader, len(names))
	var first []Line
	for i, n := range names {
		r, err := openLogReader(filepath.Join(dir, n+".log"), n)
		if err != nil {
			return err
		}
		defer r.f.Close()
		readers[i] = r
		lines := r.next()
		if o.Tail >= 0 && len(lines) > o.Tail {
			lines = lines[len(lines)-o.Tail:]
		}
		first = append(first, lines...)
	}
	enc := json.NewEncoder(o.Out)
	emit := func(lines []Line) {
		sortLines(lines)
		for _, l := range lines {
			if o.Format == LogJSON { // keep when the line was written, not read
				_ = enc.Encode(JSONLine{Time: l.Stamp, Service: l.Service, Stream: l.Stream, Line: l.Text})
				continue
			}
			logs.Line(l.Service, l.Stream, l.Text)
		}
	}
	emit(first)
	if !o.Follow {
		return nil
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		var more []Line
		for _, r := range readers {
			more = append(more, r.next()...)
		}
		emit(more)
	}
}

// logNames checks the asked-for services against the files there are.
func logNames(dir string, want []string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	have := map[string]bool{}
	var all []string
	for _, f := range files {
		n := strings.TrimSuffix(filepath.Base(f), ".log")
		have[n] = true
		all = append(all, n)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("no logs in %s: has `arena-dev up` run in this project?", dir)
	}
	if len(want) == 0 {
		return all, nil
	}
	for _, w := range want {
		if !have[w] {
			return nil, &UnknownServiceError{Name: w, Known: all}
		}
	}
	return want, nil
}

// logReader returns the whole lines appended to a file since the last call.
type logReader struct {
	f       *os.File
	r       *bufio.Reader
	service string
	partial string
}

func openLogReader(path, service string) (*logReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &logReader{f: f, r: bufio.NewReaderSize(f, 64*1024), service: service}, nil
}

func (r *logReader) next() []Line {
	var out []Line
	for {
		s, err := r.r.ReadString('\n')
		if err != nil { // EOF: keep the partial line for the next call
			r.partial += s
			return out
		}
		s, r.partial = r.partial+strings.TrimSuffix(s, "\n"), ""
		out = append(out, ParseFileLine(r.service, s))
	}
}

// sortLines orders lines by their stamps (stable: a service's own order stays).
func sortLines(lines []Line) {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Stamp < lines[j].Stamp })
}

// UnknownServiceError: logs were asked of a service that has none.
type UnknownServiceError struct {
	Name  string
	Known []string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("no log for service %q (have %s)", e.Name, strings.Join(e.Known, ", "))
}
