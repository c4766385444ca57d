package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestClientGoneIsNotAServerError: a request whose client went away while
// its query ran (the query fails with the request's context error) is
// logged once, at info, as cancelled with status 499 — not as an internal
// error at error level.
func TestClientGoneIsNotAServerError(t *testing.T) {
	app := newTestApp(t, Config{})
	var logs bytes.Buffer
	app.srv.log = slog.New(slog.NewTextHandler(&logs, nil))
	h := app.srv.accessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		app.srv.serverError(w, r, fmt.Errorf("sales screen: %w", r.Context().Err()))
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	if rec.Code != statusClientClosed {
		t.Errorf("status %d, want %d", rec.Code, statusClientClosed)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") || !strings.Contains(out, `level=INFO msg="request cancelled by the client"`) ||
		!strings.Contains(out, "status=499") {
		t.Errorf("log:\n%s", out)
	}

	// A real failure with a live request is still an error.
	logs.Reset()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("live failure: %d\n%s", rec.Code, logs.String())
	}
}
