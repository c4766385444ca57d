package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
)

// TestLoginLimiterWindow: at most limit attempts in any window; a refusal's
// reset is the instant the oldest counted attempt leaves the window, and an
// attempt at that instant is let through (not one a nanosecond before).
func TestLoginLimiterWindow(t *testing.T) {
	t.Parallel()
	l := newLoginLimiter(3, time.Minute)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 400_000_000, time.UTC)
	for i, at := range []time.Duration{0, 10 * time.Second, 20 * time.Second} {
		if ok, remaining, _ := l.allow("k", t0.Add(at)); !ok || remaining != 2-i {
			t.Fatalf("attempt %d: ok %v, remaining %d", i+1, ok, remaining)
		}
	}
	ok, remaining, reset := l.allow("k", t0.Add(30*time.Second))
	if ok || remaining != 0 || !reset.Equal(t0.Add(time.Minute)) {
		t.Fatalf("4th attempt: ok %v, remaining %d, reset %v; want refused until %v", ok, remaining, reset, t0.Add(time.Minute))
	}
	if ok, _, _ := l.allow("k", t0.Add(time.Minute-time.Nanosecond)); ok {
		t.Fatal("let through before the reset it announced")
	}
	if ok, _, reset := l.allow("k", t0.Add(time.Minute)); !ok || !reset.Equal(t0.Add(70*time.Second)) {
		t.Fatalf("at the reset: ok %v, next reset %v; want let through, next at +70 s", ok, reset)
	}
	if ok, _, _ := l.allow("k", t0.Add(time.Minute)); ok {
		t.Fatal("refused attempts were counted, or the window holds more than the limit")
	}
	if ok, _, _ := l.allow("other", t0.Add(time.Minute)); !ok {
		t.Fatal("another key is throttled")
	}
	// Keys idle for a window are dropped.
	l.allow("late", t0.Add(5*time.Minute))
	if len(l.keys) != 1 {
		t.Fatalf("%d keys kept, want only the one active in the last minute", len(l.keys))
	}
}

// TestLoginThrottleResetIsHonest: the 429 of POST /login says, in
// X-RateLimit-Reset and Retry-After, exactly when the next attempt is let
// through, rounded up to the second: refused a second before it, let through
// at it. (httprate's came early: at 10 a minute, the next attempt was let
// through 3.1 s after the reset it announced, as it still counted the
// previous window's attempts, and it truncated the reset to the second.)
func TestLoginThrottleResetIsHonest(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{LoginPerEmail: 3, LoginPerIP: 100})
	u := app.db.Tenant(t, "Acme")
	var clock atomic.Int64
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 400_000_000, time.UTC)
	clock.Store(t0.UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	app.srv.limitKey.now, app.srv.limitIP.now = now, now

	attempt := func(at time.Duration, password string) response {
		clock.Store(t0.Add(at).UnixNano())
		return app.client().post("/login", url.Values{"email": {u.Email}, "password": {password}})
	}
	for i := range 3 {
		if res := attempt(time.Duration(i)*5*time.Second, "wrong password"); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i+1, res.status)
		}
	}
	res := attempt(20*time.Second, "wrong password")
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d, want 429", res.status)
	}
	reset, err := strconv.ParseInt(res.header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		t.Fatalf("X-RateLimit-Reset %q", res.header.Get("X-RateLimit-Reset"))
	}
	// The first attempt, at t0 (10:00:00.4), counts until 10:01:00.4: the header says 10:01:01.
	if want := t0.Add(time.Minute).Truncate(time.Second).Add(time.Second).Unix(); reset != want {
		t.Fatalf("X-RateLimit-Reset %d, want %d (first attempt + 1 min, rounded up)", reset, want)
	}
	if got := res.header.Get("Retry-After"); got != "40" {
		t.Fatalf("Retry-After %q, want 40 (the 4th attempt came 20 s after the first)", got)
	}
	resetAt := time.Unix(reset, 0).Sub(t0)
	if res := attempt(resetAt-time.Second, pgtest.Password); res.status != http.StatusTooManyRequests {
		t.Fatalf("a second before the reset: %d, want still 429", res.status)
	}
	if res := attempt(resetAt, pgtest.Password); res.status != http.StatusSeeOther {
		t.Fatalf("at the reset the header announced: %d, want let in", res.status)
	}
}

// TestLoginLimiterHeaders: an attempt let through says how many are left.
func TestLoginLimiterHeaders(t *testing.T) {
	t.Parallel()
	l := newLoginLimiter(10, time.Minute)
	rec := httptest.NewRecorder()
	if l.OnLimit(rec, nil, "k") {
		t.Fatal("first attempt refused")
	}
	if rec.Header().Get("X-RateLimit-Limit") != "10" || rec.Header().Get("X-RateLimit-Remaining") != "9" || rec.Header().Get("Retry-After") != "" {
		t.Fatalf("headers %v", rec.Header())
	}
}
