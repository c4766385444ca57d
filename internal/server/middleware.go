package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// Session keys. The session holds who is signed in and when, nothing else
// that could go stale: the user, tenant and role are loaded on every request.
const (
	sessTenant = "tenant_id"
	sessUser   = "user_id"
	sessFlash  = "flash"
	// sessEpoch is the user's session epoch at log-in: raising the epoch in
	// the database ends every older session. sessRole is the role at log-in
	// (or at the last renewal): when it differs, the token is renewed.
	sessEpoch = "epoch"
	sessRole  = "role"
)

func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-ID", id)
		next.ServeHTTP(w, r.WithContext(withRequestID(r.Context(), id)))
	})
}

func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx, db := postgres.WithDBTime(r.Context())
		r = r.WithContext(ctx)
		ww := middleware.NewWrapResponseWriter(&timingWriter{ResponseWriter: w, db: db}, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		msg := "request"
		if status == statusClientClosed || r.Context().Err() != nil {
			msg = "request cancelled by the client"
		}
		s.log.LogAttrs(r.Context(), levelFor(status), msg,
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
			slog.Int("bytes", ww.BytesWritten()), slog.Duration("took", time.Since(start)), slog.Duration("db", db.Duration()),
			slog.String("request_id", requestID(r.Context())))
	})
}

func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serverError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows scripts and styles from our own origin only
// (no inline script), no framing, forms posting only to us.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// crossOrigin rejects state-changing requests from other origins (Go's
// CrossOriginProtection: Sec-Fetch-Site, then Origin vs Host).
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "error.forbidden.message")
	}))
	return cop.Handler(next)
}

// levelFor is the access log's level: errors for 5xx, except 503, which
// answers an unavailable database and is logged once per outage instead
// (499, a client that went away, is below 500).
func levelFor(status int) slog.Level {
	if status >= 500 && status != http.StatusServiceUnavailable {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// loadIdentity loads the signed-in user and tenant on every request, so a
// deactivated user or a changed role takes effect at once, and binds the
// request's locale.
func (s *Server) loadIdentity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tenant := s.sessions.GetInt64(ctx, sessTenant)
		user := s.sessions.GetInt64(ctx, sessUser)
		if tenant == 0 || user == 0 {
			next.ServeHTTP(w, r.WithContext(web.WithLocale(ctx, web.NewLocale("", r.Header.Get("Accept-Language"), "", nil))))
			return
		}
		who, err := s.db.Identity(ctx, crm.TenantID(tenant), crm.UserID(user))
		if err == nil && s.sessions.GetInt(ctx, sessEpoch) < who.SessionEpoch {
			err = crm.ErrNotFound // signed out everywhere, deactivated or password reset since
		}
		if errors.Is(err, crm.ErrNotFound) {
			// Deactivated or deleted: the session ends now, and the request
			// goes on anonymous.
			_ = s.sessions.Destroy(ctx)
			ctx = web.WithLocale(ctx, web.NewLocale("", r.Header.Get("Accept-Language"), "", nil))
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if err != nil {
			// An unavailable database is a 503 (serverError); the page
			// follows the browser's language, the user's is not known.
			s.serverError(w, r.WithContext(web.WithLocale(ctx, web.NewLocale("", r.Header.Get("Accept-Language"), "", nil))), err)
			return
		}
		s.outage.answered(s.log, time.Now())
		if role := string(who.User.Role); s.sessions.GetString(ctx, sessRole) != role {
			// A new role gets a new token: nothing granted under the old one carries over.
			if err := s.sessions.RenewToken(ctx); err != nil {
				s.serverError(w, r, err)
				return
			}
			s.sessions.Put(ctx, sessRole, role)
		}
		ctx = withIdentity(ctx, &who)
		ctx = web.WithLocale(ctx, web.NewLocale(who.User.Locale, r.Header.Get("Accept-Language"),
			who.Tenant.Currency, who.Tenant.Location()))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// guard enforces a route's access level: anonymous users are sent to log in;
// a signed-in user without the role gets 403.
func (s *Server) guard(access Access, h http.HandlerFunc) http.Handler {
	if access == Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who := identity(r.Context())
		if who == nil {
			target := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		need := map[Access]crm.Role{AnyUser: crm.RoleSales, Manager: crm.RoleManager, Admin: crm.RoleAdmin}[access]
		if !who.User.Role.AtLeast(need) {
			s.errorPage(w, r, http.StatusForbidden, "error.forbidden", "error.forbidden.message")
			return
		}
		h(w, r)
	})
}

// timingWriter stamps the response with a Server-Timing header saying how
// long the request had spent in the database when its answer began (for a
// page: all of its queries; a streamed download goes on reading after that).
type timingWriter struct {
	http.ResponseWriter
	db      *postgres.DBTime
	stamped bool
}

func (w *timingWriter) stamp() {
	if !w.stamped {
		w.stamped = true
		w.Header().Set("Server-Timing", fmt.Sprintf("db;dur=%.3f", float64(w.db.Duration().Microseconds())/1000))
	}
}

func (w *timingWriter) WriteHeader(code int) { w.stamp(); w.ResponseWriter.WriteHeader(code) }

func (w *timingWriter) Write(b []byte) (int, error) { w.stamp(); return w.ResponseWriter.Write(b) }

func (w *timingWriter) Flush() {
	w.stamp()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
