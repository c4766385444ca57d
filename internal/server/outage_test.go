package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestDatabaseOutage: with PostgreSQL out of reach (the proxy the app
// connects through stopped: open connections dropped, new ones refused), a
// signed-in user gets the app's own error page with 503, Retry-After and the
// request ID, in their browser's language; /readyz fails; the outage is
// logged once, not per request. When the database is back, /readyz passes,
// the recovery is logged, and the session still works.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	app, proxy, logs := newOutageApp(t)
	u := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(u)
	if res := c.get("/"); res.status != http.StatusOK {
		t.Fatalf("Sales screen with the database up: %d", res.status)
	}

	proxy.Stop()
	for _, path := range []string{"/", "/pipeline", "/account", "/"} {
		res := c.get(path)
		checkUnavailablePage(t, "GET "+path, res)
		mustContain(t, res.body, "Briefly unavailable", "cannot reach its database", "Request ID:")
	}
	res := c.post("/logout", url.Values{})
	checkUnavailablePage(t, "POST /logout", res)
	req, _ := http.NewRequest("GET", app.ts.URL+"/", nil)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	res = c.do(req)
	checkUnavailablePage(t, "GET / in Chinese", res)
	mustContain(t, res.body, "暂时无法使用")
	for range 3 {
		if res := c.get("/readyz"); res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") != "5" {
			t.Fatalf("/readyz with the database stopped: %d (Retry-After %q), want 503", res.status, res.header.Get("Retry-After"))
		}
	}
	if n := logs.count(`msg="database unavailable:`); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs)
	}
	if n := logs.count("level=ERROR"); n != 1 {
		t.Errorf("%d error lines during the outage, want 1 (the outage):\n%s", n, logs)
	}

	proxy.Start()
	if res := c.get("/readyz"); res.status != http.StatusOK {
		t.Fatalf("/readyz with the database back: %d", res.status)
	}
	if n := logs.count("database available again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once:\n%s", n, logs)
	}
	if res := c.get("/"); res.status != http.StatusOK {
		t.Fatalf("Sales screen with the database back: %d", res.status)
	}
	if n := logs.count("database available again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once:\n%s", n, logs)
	}
}

func checkUnavailablePage(t *testing.T, what string, res response) {
	t.Helper()
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("%s with the database stopped: %d, want 503\n%s", what, res.status, res.body)
	}
	if got := res.header.Get("Retry-After"); got != "5" {
		t.Errorf("%s: Retry-After %q, want 5", what, got)
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type %q, want the HTML error page", what, ct)
	}
	id := res.header.Get("X-Request-ID")
	if id == "" || !strings.Contains(res.body, "<code>"+id+"</code>") {
		t.Errorf("%s: the page does not show the request ID %q", what, id)
	}
	mustContain(t, res.body, "<html", "503")
}

// TestUnavailableIsMappedOnce: an error wrapping postgres.ErrUnavailable,
// from any handler or from loading the identity, goes through the one error
// mapping to the 503 page (other errors stay 500).
func TestUnavailableIsMappedOnce(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	for _, tc := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("load project 3: %w", postgres.ErrUnavailable), http.StatusServiceUnavailable},
		{fmt.Errorf("load project 3: %w", context.DeadlineExceeded), http.StatusInternalServerError},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/projects/3", nil)
		req = req.WithContext(withRequestID(req.Context(), "abc123"))
		app.srv.handleError(rec, req, tc.err)
		if rec.Code != tc.want || !strings.Contains(rec.Body.String(), "<code>abc123</code>") {
			t.Errorf("%v: %d, want %d with the request ID on the page", tc.err, rec.Code, tc.want)
		}
		if (rec.Header().Get("Retry-After") != "") != (tc.want == http.StatusServiceUnavailable) {
			t.Errorf("%v: Retry-After %q", tc.err, rec.Header().Get("Retry-After"))
		}
	}
}

// TestOutageLogging: the first failure logs, later ones only once a minute
// (saying how many were refused), the first answer afterwards logs the
// recovery once, and the next outage starts over.
func TestOutageLogging(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var o outage
	r := httptest.NewRequest("GET", "/", nil)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	err := postgres.ErrUnavailable
	o.answered(log, t0) // up: nothing to say
	for i := range 10 {
		o.failed(log, t0.Add(time.Duration(i)*time.Second), r, err)
	}
	if n := logs.count("level="); n != 1 || logs.count(`msg="database unavailable:`) != 1 {
		t.Fatalf("10 failures in 10 s: %d lines, want 1:\n%s", n, logs)
	}
	o.failed(log, t0.Add(61*time.Second), r, err)
	o.failed(log, t0.Add(62*time.Second), r, err)
	if n := logs.count("database still unavailable"); n != 1 || logs.count("refused_since_last_line=10") != 1 {
		t.Fatalf("a minute later: want one reminder counting 10 refused:\n%s", logs)
	}
	o.answered(log, t0.Add(70*time.Second))
	o.answered(log, t0.Add(71*time.Second))
	if logs.count("database available again") != 1 || logs.count("refused=12") != 1 || logs.count("after=1m10s") != 1 {
		t.Fatalf("recovery: want one line with 12 refused after 1m10s:\n%s", logs)
	}
	o.failed(log, t0.Add(80*time.Second), r, err)
	if n := logs.count(`msg="database unavailable:`); n != 2 {
		t.Fatalf("a new outage: %d start lines, want 2:\n%s", n, logs)
	}
}

// newOutageApp is a test app whose database connections go through a proxy
// the test can stop and start; logs holds what the server logs.
func newOutageApp(t *testing.T) (*testApp, *pgtest.Proxy, *syncBuffer) {
	t.Helper()
	tdb := pgtest.New(t)
	proxy := pgtest.NewProxy(t, tdb.AppURL)
	db, err := postgres.Open(context.Background(), proxy.URL(tdb.AppURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	logs := &syncBuffer{}
	srv := New(db, Config{Hasher: pgtest.FastHasher, Log: slog.New(slog.NewTextHandler(logs, nil))})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &testApp{t: t, db: tdb, srv: srv, ts: ts}, proxy, logs
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count returns how many log lines contain s.
func (b *syncBuffer) count(s string) int {
	n := 0
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}
