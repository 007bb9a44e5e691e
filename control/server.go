package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sommelier-arena/arena-dev/internal/httpjson"
	"github.com/sommelier-arena/arena-dev/internal/svclog"
	"github.com/sommelier-arena/arena-dev/runstate"
)

// Stack is what the API acts on: the supervisor.
type Stack interface {
	Status() []runstate.ServiceStatus
	Control(ctx context.Context, name string, op runstate.Op) error
	Subscribe() (<-chan runstate.Event, func())
	Logs() *svclog.Logs
}

// Service is one service as the API shows it.
type Service struct {
	runstate.ServiceStatus
	UptimeSeconds float64 `json:"uptime_seconds,omitempty"` // while its process runs
}

// Handler serves the API at /api/... . done, when closed, ends the event and log
// streams (the server that mounts it is shutting down).
func Handler(st Stack, done <-chan struct{}) http.Handler {
	h := &handler{st: st, done: done}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/services", h.services)
	mux.HandleFunc("POST /api/services/{name}/{op}", h.control)
	mux.HandleFunc("GET /api/events", h.events)
	mux.HandleFunc("GET /api/logs", h.logs)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no %s %s in the control API (see docs/control-api.md)", r.Method, r.URL.Path), nil)
	})
	return mux
}

type handler struct {
	st   Stack
	done <-chan struct{}
}

func view(statuses []runstate.ServiceStatus) []Service {
	now := time.Now()
	out := make([]Service, len(statuses))
	for i, s := range statuses {
		out[i] = Service{ServiceStatus: s}
		running := s.State == runstate.StateReady || s.State == runstate.StateStarting
		if running && !s.Started.IsZero() {
			out[i].UptimeSeconds = now.Sub(s.Started).Seconds()
		}
	}
	return out
}

func (h *handler) services(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"services": view(h.st.Status())})
}

func (h *handler) control(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	op, ok := runstate.ParseOp(r.PathValue("op"))
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_operation", fmt.Sprintf("%q: want start, stop or restart", r.PathValue("op")), nil)
		return
	}
	err := h.st.Control(r.Context(), name, op)
	var unknown *runstate.UnknownServiceError
	switch {
	case errors.As(err, &unknown):
		writeError(w, http.StatusNotFound, "unknown_service", err.Error(), map[string]any{"known": unknown.Known})
		return
	case errors.Is(err, runstate.ErrNotRunning):
		writeError(w, http.StatusServiceUnavailable, "not_running", err.Error(), nil)
		return
	case err != nil:
		writeError(w, http.StatusConflict, "failed", fmt.Sprintf("%s %s: %v", op, name, err), nil)
		return
	}
	for _, s := range view(h.st.Status()) {
		if s.Name == name {
			writeJSON(w, http.StatusOK, map[string]any{"service": s})
			return
		}
	}
}

// events streams a snapshot, then every state change.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	sse, ok := startSSE(w)
	if !ok {
		return
	}
	ch, cancel := h.st.Subscribe()
	defer cancel()
	sse.send("snapshot", map[string]any{"services": view(h.st.Status())})
	for {
		select {
		case ev, open := <-ch:
			if !open {
				sse.send("end", map[string]string{"reason": "the stack stopped"})
				return
			}
			sse.send("state", view([]runstate.ServiceStatus{ev.ServiceStatus})[0])
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		}
	}
}

// logs returns the last n lines (default 100) of the named services, as JSON,
// or with follow=1 streams them and every new line as events.
func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	services := q["service"]
	n := 100
	if v := q.Get("n"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			writeError(w, http.StatusBadRequest, "bad_n", fmt.Sprintf("n=%q: want a number of lines (-1: all kept)", v), nil)
			return
		}
	}
	lg := h.st.Logs()
	if lg == nil {
		writeError(w, http.StatusServiceUnavailable, "not_running", "the stack has not started its logs yet", nil)
		return
	}
	known := map[string]bool{}
	var names []string
	for _, s := range h.st.Status() {
		known[s.Name] = true
		names = append(names, s.Name)
	}
	for _, s := range services {
		if !known[s] {
			writeError(w, http.StatusNotFound, "unknown_service", fmt.Sprintf("no service %q (services: %s)", s, strings.Join(names, ", ")), map[string]any{"known": names})
			return
		}
	}
	if q.Get("follow") != "1" && q.Get("follow") != "true" {
		writeJSON(w, http.StatusOK, map[string]any{"lines": toJSON(lg.Tail(n, services...))})
		return
	}
	sse, ok := startSSE(w)
	if !ok {
		return
	}
	sub, cancel := lg.Subscribe(services...) // before the tail: no line falls between
	defer cancel()
	last := ""
	for _, l := range lg.Tail(n, services...) {
		sse.send("line", toJSON([]svclog.Line{l})[0])
		last = l.Stamp
	}
	reported := 0
	for {
		select {
		case l := <-sub.C:
			// Write what has queued up (a bounded batch, so a steady flood
			// still gets its flushes and drop reports), then flush once: a
			// burst costs one syscall per batch, not per line.
			for n := 1; ; n++ {
				if l.Stamp >= last { // older ones were sent with the tail
					sse.write("line", toJSON([]svclog.Line{l})[0])
				}
				queued := false
				if n < sseBatch {
					select {
					case l = <-sub.C:
						queued = true
					default:
					}
				}
				if !queued {
					break
				}
			}
			// A reader that fell behind is told how many lines it missed,
			// rather than shown a log with a silent hole in it.
			if d := sub.Dropped(); d > reported {
				sse.write("dropped", DroppedLines{Time: l.Stamp, Missed: d - reported, Total: d})
				reported = d
			}
			sse.flush()
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		}
	}
}

// sseBatch bounds the lines written between two flushes of a log stream.
const sseBatch = 512

// DroppedLines is the logs stream's "dropped" event: lines this reader missed
// because it read slower than the services wrote.
type DroppedLines struct {
	Time   string `json:"time"`   // the stamp of the last line sent before it
	Missed int    `json:"missed"` // since the last such event
	Total  int    `json:"total"`  // since the stream began
}

func toJSON(lines []svclog.Line) []svclog.JSONLine {
	out := make([]svclog.JSONLine, len(lines))
	for i, l := range lines {
		out[i] = svclog.JSONLine{Time: l.Stamp, Service: l.Service, Stream: l.Stream, Line: l.Text}
	}
	return out
}

// reply keeps the control API's Content-Type as its clients know it.
var reply = httpjson.Style{ContentType: "application/json"}

func writeJSON(w http.ResponseWriter, status int, v any) { reply.Write(w, status, v) }

// writeError answers {"error": {"code", "message", ...}}, the answers API's shape.
func writeError(w http.ResponseWriter, status int, code, msg string, extra map[string]any) {
	reply.Error(w, status, code, msg, extra)
}

// sse writes Server-Sent Events, flushing each.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func startSSE(w http.ResponseWriter) (*sse, bool) {
	f, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "no_streaming", "this connection cannot stream", nil)
		return nil, false
	}
	// A stream outlives any write timeout of the server that mounts it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	f.Flush()
	return &sse{w: w, f: f}, true
}

func (s *sse) send(event string, v any) {
	s.write(event, v)
	s.flush()
}

func (s *sse) write(event string, v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, b)
}

func (s *sse) flush() { s.f.Flush() }
