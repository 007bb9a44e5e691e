package svclog

import (
	"strings"
	"time"
)

// A service's log file (<LogDir>/<service>.log) has one line per line the service
// wrote: "<stamp> <stream> <text>". The stamp is RFC 3339 in UTC with milliseconds,
// so lines of several files merge in time order by comparing text; stream is
// stdout, stderr, log (an in-process service) or StreamNote. Text has its terminal
// escapes stripped. This file is the only writer and reader of that format.

// StreamNote marks the supervisor's own notes about a service (started, exit
// status, stop stages) in that service's file.
const StreamNote = "arena-dev"

// Line is one line of a service log file.
type Line struct {
	Stamp, Service, Stream, Text string
}

// JSONLine is the shape of a line in --log-format json, from `up` and `logs` alike.
type JSONLine struct {
	Time    string `json:"time"`
	Service string `json:"service"`
	Stream  string `json:"stream"`
	Line    string `json:"line"`
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// fileLine formats one line of a service log file, newline included.
func fileLine(t time.Time, stream, text string) string {
	return stamp(t) + " " + stream + " " + text + "\n"
}

// ParseFileLine reads one line of service's log file (without its newline); a line
// not in the format is kept whole as text of stream "log".
func ParseFileLine(service, s string) Line {
	st, rest, ok := strings.Cut(s, " ")
	if !ok {
		return Line{Service: service, Stream: "log", Text: s}
	}
	stream, text, _ := strings.Cut(rest, " ")
	return Line{Stamp: st, Service: service, Stream: stream, Text: text}
}
