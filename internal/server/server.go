// Package server is Pipewell's HTTP layer: every route in routes.go, the
// middleware chain, error mapping, form parsing and one file per screen.
// Handlers parse the request, call internal/postgres, and render a web
// component; the rules live in internal/crm and internal/pipeline.
package server

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/pipewell/pipewell/internal/auth"
	"github.com/pipewell/pipewell/internal/postgres"
)

// Config is what the server needs besides the database.
type Config struct {
	// SecureCookies marks the session cookie Secure and gives it the __Host-
	// prefix; set it whenever the app is served over TLS.
	SecureCookies bool
	// IdleTimeout ends a session after this long without a request;
	// SessionLifetime ends it this long after log-in, whatever happens.
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	// Log-in attempts allowed per minute per e-mail address and per client IP.
	LoginPerEmail, LoginPerIP int
	// Hasher hashes passwords (argon2id with a cap on concurrent hashes).
	Hasher *auth.Hasher
	Log    *slog.Logger
	// Mailer sends invitation and password-reset links; nil: links are only
	// shown to the admin. BaseURL ("https://crm.example.com") starts those
	// links; empty: taken from the request.
	Mailer  Mailer
	BaseURL string
	// ReportTimeout bounds each statement of a report (0: the default,
	// postgres.ReportTimeout); a report that runs out of it asks for a
	// narrower filter.
	ReportTimeout time.Duration
	// ImportDir keeps uploaded import files and their rejected rows
	// (default: pipewell-imports in the system's temporary folder).
	ImportDir string
}

// Server holds the application's dependencies. It has no mutable globals:
// everything a handler needs hangs off it.
type Server struct {
	db       *postgres.DB
	cfg      Config
	log      *slog.Logger
	sessions *scs.SessionManager
	hasher   *auth.Hasher
	limitIP  *loginLimiter
	limitKey *loginLimiter
	handler  http.Handler
	static   http.Handler
	// buffers are the pages' render buffers, reused.
	buffers sync.Pool
	// outage keeps the log of a database outage short.
	outage outage
	// imports are the imports running in the background.
	imports sync.WaitGroup
}

// WaitImports waits for the imports running in the background to end.
func (s *Server) WaitImports() { s.imports.Wait() }

// New builds the server and its router.
func New(db *postgres.DB, cfg Config) *Server {
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 8 * time.Hour
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = 7 * 24 * time.Hour
	}
	if cfg.LoginPerEmail == 0 {
		cfg.LoginPerEmail = 10
	}
	if cfg.LoginPerIP == 0 {
		cfg.LoginPerIP = 60
	}
	if cfg.Hasher == nil {
		cfg.Hasher = auth.NewHasher(auth.DefaultParams, 4)
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ImportDir == "" {
		cfg.ImportDir = filepath.Join(os.TempDir(), "pipewell-imports")
	}
	sm := scs.New()
	sm.Store = db.Sessions()
	sm.Codec = sessionCodec{}
	sm.IdleTimeout = cfg.IdleTimeout
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "pipewell_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	if cfg.SecureCookies {
		sm.Cookie.Name = "__Host-pipewell_session"
		sm.Cookie.Secure = true
	}
	s := &Server{
		db:       db,
		cfg:      cfg,
		log:      cfg.Log,
		sessions: sm,
		hasher:   cfg.Hasher,
		limitIP:  newLoginLimiter(cfg.LoginPerIP, time.Minute),
		limitKey: newLoginLimiter(cfg.LoginPerEmail, time.Minute),
	}
	// A session that cannot be loaded or saved gets the app's error page
	// (503 while the database is unavailable), not scs's plain-text 500.
	sm.ErrorFunc = s.sessionError
	s.static = staticFiles()
	s.handler = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
