package svclog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// LogFormat is how service lines are written to the combined output.
type LogFormat int

const (
	LogText LogFormat = iota // "[partykit] line", coloured prefix on a TTY
	LogJSON                  // {"time","service","stream","line"} per line
)

// ColorMode decides whether text prefixes are coloured.
type ColorMode int

const (
	ColorAuto   ColorMode = iota // when the output is a TTY and NO_COLOR is unset
	ColorAlways                  // even when piped (NO_COLOR still wins)
	ColorNever
)

// MaxLineBytes bounds one log line: a longer run without a newline is cut into
// pieces of this size, so a child cannot grow arena-dev's memory without bound.
const MaxLineBytes = 64 << 10

// ansiEscape matches CSI sequences (colours, cursor moves), OSC sequences (titles,
// links) and two-byte escapes.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]`)

// StripANSI removes terminal escape sequences and carriage returns from a line.
func StripANSI(s string) string {
	if strings.IndexByte(s, 0x1b) < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(ansiEscape.ReplaceAllString(s, ""), "\r", "")
}

var palette = []string{"36", "35", "33", "32", "34", "91", "96", "95"}

// Logs writes every service's lines to one output, whole lines only (a mutex
// around each line's single Write), and to <dir>/<service>.log when dir is set.
type Logs struct {
	mu     sync.Mutex
	out    io.Writer
	format LogFormat
	color  bool
	width  int
	colors map[string]string
	files  map[string]*os.File
	dir    string // where the files are; "" = none
	buf    bytes.Buffer
	recent recent
}

// NewLogs prepares the output for the named services (names fix the prefix width
// and colours). dir, when not "", gets one append-only file per service.
func NewLogs(out io.Writer, format LogFormat, color ColorMode, dir string, names []string) (*Logs, error) {
	l := &Logs{out: out, format: format, colors: map[string]string{}, files: map[string]*os.File{}, dir: dir}
	l.color = format == LogText && wantColor(out, color)
	for i, n := range names {
		l.width = max(l.width, len(n)+2)
		l.colors[n] = palette[i%len(palette)]
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("log directory: %w", err)
		}
		for _, n := range names {
			f, err := os.OpenFile(filepath.Join(dir, n+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
			if err != nil {
				l.Close()
				return nil, fmt.Errorf("log file for %s: %w", n, err)
			}
			io.WriteString(f, fileLine(time.Now(), StreamNote, fmt.Sprintf("---- arena-dev (pid %d) starting %s", os.Getpid(), n)))
			l.files[n] = f
		}
	}
	return l, nil
}

func wantColor(out io.Writer, mode ColorMode) bool {
	if mode == ColorNever || os.Getenv("NO_COLOR") != "" {
		return false
	}
	if mode == ColorAlways {
		return true
	}
	f, ok := out.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Line writes one whole line of a service (stream is stdout, stderr or log).
func (l *Logs) Line(service, stream, line string) {
	now := time.Now()
	clean := StripANSI(line)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
	switch l.format {
	case LogJSON:
		b, _ := json.Marshal(JSONLine{Time: now.UTC().Format(time.RFC3339Nano), Service: service, Stream: stream, Line: clean})
		l.buf.Write(b)
	default:
		prefix := "[" + service + "]"
		pad := strings.Repeat(" ", max(0, l.width-len(prefix)))
		if l.color {
			fmt.Fprintf(&l.buf, "\x1b[%sm%s\x1b[0m%s %s", l.colorOf(service), prefix, pad, line)
		} else {
			fmt.Fprintf(&l.buf, "%s%s %s", prefix, pad, clean)
		}
	}
	l.buf.WriteByte('\n')
	if l.out != nil {
		_, _ = l.out.Write(l.buf.Bytes())
	}
	if f := l.files[service]; f != nil {
		io.WriteString(f, fileLine(now, stream, clean))
	}
	l.recent.add(lineAt(now, service, stream, clean))
}

// Note writes a supervisor message about a service to that service's file only
// (the combined output has the supervisor's own log for that).
func (l *Logs) Note(service, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if f := l.files[service]; f != nil {
		io.WriteString(f, fileLine(now, StreamNote, msg))
	}
	l.recent.add(lineAt(now, service, StreamNote, msg))
}

func (l *Logs) colorOf(service string) string {
	if c, ok := l.colors[service]; ok {
		return c
	}
	return "37"
}

// LineWriter takes whole log lines (without the trailing newline): what an
// in-process service writes its log to.
type LineWriter interface {
	WriteLine(line string)
}

// Writer returns an io.Writer for a child's stream that cuts the bytes into whole
// lines; observe (may be nil) sees each line with escapes stripped. Call Flush
// when the stream ends to emit a last line without a newline.
func (l *Logs) Writer(service, stream string, observe func(line string)) *LineSplitter {
	return &LineSplitter{emit: func(line string) {
		l.Line(service, stream, line)
		if observe != nil {
			observe(StripANSI(line))
		}
	}}
}

// Close closes the per-service files.
func (l *Logs) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var first error
	for n, f := range l.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(l.files, n)
	}
	return first
}

// LineSplitter buffers partial writes and emits whole lines.
type LineSplitter struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

// Write takes any chunk of a stream; complete lines are emitted at once.
func (w *LineSplitter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(bytes.TrimSuffix(w.buf[:i], []byte{'\r'})))
		w.buf = w.buf[i+1:]
	}
	for len(w.buf) >= MaxLineBytes {
		w.emit(string(w.buf[:MaxLineBytes]))
		w.buf = w.buf[MaxLineBytes:]
	}
	if len(w.buf) == 0 {
		w.buf = nil // let a large backing array go
	}
	return len(p), nil
}

// Flush emits what is left without a trailing newline.
func (w *LineSplitter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}
