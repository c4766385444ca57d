package server

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// handleHealth answers as long as the process serves requests.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// handleReady answers 200 when the database answers within two seconds, 503
// (with Retry-After) otherwise: it asks the database each time, so it fails
// for as long as an outage lasts and passes again once the database answers.
// A failure is logged as part of the outage (once, not per check).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(ctx); err != nil {
		s.outage.failed(s.log, time.Now(), r, err)
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	s.outage.answered(s.log, time.Now())
	_, _ = w.Write([]byte("ready\n"))
}
