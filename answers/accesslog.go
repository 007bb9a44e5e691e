package answers

import (
	"net/http"
	"time"

	"github.com/rs/zerolog"
)

// LogRequests wraps h with one log line per request (method, path, status,
// duration), as `wrangler dev` prints them.
func LogRequests(log zerolog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		log.Info().Str("method", r.Method).Str("path", r.URL.RequestURI()).Int("status", rec.status).
			Dur("took", time.Since(start)).Msg("request")
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
