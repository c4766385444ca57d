package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// loginLimiter lets at most limit attempts per key through in any window:
// it keeps the times of the attempts it let through in the last window (a
// sliding log), so it knows exactly when the next one will be let through,
// and its X-RateLimit-Reset and Retry-After say so. (httprate, used before,
// estimates a sliding window from two fixed ones, so the previous window's
// attempts still counted after the reset it announced, and the reset was
// truncated to the second: a client that waited until it was refused
// again for a few more seconds.) Refused attempts are not counted. Safe for
// concurrent use; memory is at most limit times per key active in the last
// window.
type loginLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time // time.Now; tests move it

	mu    sync.Mutex
	keys  map[string][]time.Time // per key, the attempts let through in the window, oldest first
	swept time.Time              // when idle keys were last dropped
}

func newLoginLimiter(limit int, window time.Duration) *loginLimiter {
	limit = max(limit, 1)
	return &loginLimiter{limit: limit, window: window, now: time.Now, keys: map[string][]time.Time{}}
}

// OnLimit counts an attempt for key and reports whether to refuse it. It
// sets X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (the
// Unix second from which the oldest counted attempt no longer counts: on a
// refusal, when the next attempt is let through), and Retry-After on a
// refusal. Both are rounded up, so a client that waits that long gets in.
func (l *loginLimiter) OnLimit(w http.ResponseWriter, _ *http.Request, key string) bool {
	now := l.now()
	ok, remaining, reset := l.allow(key, now)
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilSeconds(reset.UnixNano()), 10))
	if ok {
		return false
	}
	h.Set("Retry-After", strconv.FormatInt(ceilSeconds(int64(reset.Sub(now))), 10))
	return true
}

// allow counts an attempt for key at now if fewer than limit were let
// through in the window before it. It returns whether it did, how many more
// the window allows, and when the oldest counted attempt leaves the window.
func (l *loginLimiter) allow(key string, now time.Time) (ok bool, remaining int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	times := l.keys[key]
	start := now.Add(-l.window) // an attempt at t counts until t+window, exclusive
	for len(times) > 0 && !times[0].After(start) {
		times = times[1:]
	}
	if ok = len(times) < l.limit; ok {
		times = append(times, now)
	}
	l.keys[key] = times
	return ok, l.limit - len(times), times[0].Add(l.window)
}

// sweep drops, once per window, the keys with no attempt in the last window.
func (l *loginLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < l.window {
		return
	}
	l.swept = now
	for k, times := range l.keys {
		if !times[len(times)-1].After(now.Add(-l.window)) {
			delete(l.keys, k)
		}
	}
}

// ceilSeconds is n nanoseconds in seconds, rounded up.
func ceilSeconds(n int64) int64 {
	s := n / int64(time.Second)
	if n%int64(time.Second) > 0 {
		s++
	}
	return s
}
