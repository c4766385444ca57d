package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pipewell/pipewell/web"
)

// retryAfter is what a request refused for an unavailable database is told
// to wait: PostgreSQL restarts in a few seconds.
const retryAfter = 5 * time.Second

// outageLogEvery is how often an outage that goes on is logged again.
const outageLogEvery = time.Minute

// unavailable answers a request the database could not serve right now
// (postgres.ErrUnavailable): 503 with Retry-After and the error page, which
// needs nothing from the database, with the request ID. The outage is
// logged once, not per request (see outage).
func (s *Server) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.outage.failed(s.log, time.Now(), r, err)
	h := w.Header()
	h.Del("Location") // a redirect prepared before a failed session save must not go out with the page
	h.Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
	s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable", "error.unavailable.message")
}

// sessionError answers when the session store fails: loading the session,
// before any handler ran, or saving it as the response starts. Neither has
// the user's language yet, so the page follows the browser's.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	ctx := web.WithLocale(r.Context(), web.NewLocale("", r.Header.Get("Accept-Language"), "", nil))
	s.serverError(w, r.WithContext(ctx), err)
}

// outage keeps a database outage to a few log lines: the first request that
// finds the database unavailable logs it, later ones at most once every
// outageLogEvery (with how many requests were refused meanwhile), and the
// first request that gets an answer from the database again logs the
// recovery. Safe for concurrent use; answered costs one atomic load while
// the database is up.
type outage struct {
	down atomic.Bool

	mu      sync.Mutex
	since   time.Time // when the outage began
	logged  time.Time // when it was last logged
	refused int       // requests refused since it was last logged
	total   int       // requests refused since it began
}

// failed records a request refused because the database is unavailable.
func (o *outage) failed(log *slog.Logger, now time.Time, r *http.Request, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	attrs := []any{"err", err, "method", r.Method, "path", r.URL.Path, "request_id", requestID(r.Context())}
	switch {
	case !o.down.Load():
		o.down.Store(true)
		o.since, o.logged, o.refused, o.total = now, now, 0, 1
		log.Error("database unavailable: answering 503 until it is back", attrs...)
	case now.Sub(o.logged) >= outageLogEvery:
		o.total++
		log.Error("database still unavailable", append(attrs, "for", now.Sub(o.since).Round(time.Second),
			"refused_since_last_line", o.refused+1, "refused", o.total)...)
		o.logged, o.refused = now, 0
	default:
		o.total++
		o.refused++
	}
}

// answered records that the database answered a request; the first answer
// after an outage logs its end.
func (o *outage) answered(log *slog.Logger, now time.Time) {
	if !o.down.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down.Load() {
		return
	}
	o.down.Store(false)
	log.Info("database available again", "after", now.Sub(o.since).Round(time.Millisecond), "refused", o.total)
}
