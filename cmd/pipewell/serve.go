package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/server"
)

func serve(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("PIPEWELL_ADDR", ":8080"), "listen address")
	pprofAddr := fs.String("pprof", "", "also serve Go's profiler (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060 (benchmarks)")
	stopLimit := fs.Duration("shutdown-timeout", 20*time.Second, "on SIGINT/SIGTERM, stop within this long in total: in-flight requests get nine tenths of it to finish, then are cancelled")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC()
	if *pprofAddr != "" {
		if err := serveProfiler(ctx, log, *pprofAddr); err != nil {
			return err
		}
	}
	if u := env("PIPEWELL_MIGRATE_URL", ""); u != "" {
		if err := postgres.Migrate(ctx, u, log); err != nil {
			return err
		}
	}
	db, err := postgres.Open(ctx, databaseURL())
	if err != nil {
		return fmt.Errorf("%w\n  set DATABASE_URL to your PostgreSQL (the app role), or run `make run` to set up a local one", err)
	}
	stopping := false // from then on, stop closes the database within its limit
	defer func() {
		if !stopping {
			db.Close()
		}
	}()
	if err := db.CheckAppRole(ctx); err != nil {
		return err
	}
	if err := db.CheckCitus(ctx); err != nil {
		return err
	}
	// Requests outlive the signal (they may finish), until stop cancels them.
	requests, cancelRequests := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRequests()
	srv := &http.Server{
		Addr:              *addr,
		Handler:           server.New(db, serverConfig(log)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return requests },
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("pipewell serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopping = true
	if err := stop(log, srv, db, cancelRequests, *stopLimit); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// stop ends serving within limit in total. New connections are refused at
// once and in-flight requests may finish during nine tenths of limit. What
// still runs then has its connections closed and is cancelled (its
// database queries end), and the database pool is closed in the rest of
// limit. http.Server.Shutdown alone would let a request that waits on the
// database run on after its deadline, and closing the pool waits for every
// connection such a request holds.
func stop(log *slog.Logger, srv *http.Server, db *postgres.DB, cancelRequests context.CancelFunc, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	grace := limit * 9 / 10
	log.Info("shutting down", "grace", grace, "limit", limit)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still running at the end of the grace period are cancelled", "grace", grace)
		// Connections first: a cancelled request's answer (an error page)
		// must not reach its client as if the request had been served.
		_ = srv.Close()
		cancelRequests()
	}
	closed := make(chan struct{})
	go func() { db.Close(); close(closed) }()
	select {
	case <-closed:
		return nil
	case <-time.After(time.Until(deadline)):
		return fmt.Errorf("shutdown: database connections still in use after %v", limit)
	}
}

// serverConfig reads the server's settings from the environment. Mail is on
// when PIPEWELL_SMTP_ADDR (host:port) and PIPEWELL_SMTP_FROM are set;
// PIPEWELL_SMTP_USER and PIPEWELL_SMTP_PASSWORD add authentication.
func serverConfig(log *slog.Logger) server.Config {
	cfg := server.Config{
		SecureCookies: env("PIPEWELL_SECURE_COOKIES", "") == "true",
		Log:           log,
		BaseURL:       env("PIPEWELL_BASE_URL", ""),
		ImportDir:     env("PIPEWELL_IMPORT_DIR", ""),
	}
	if addr, from := env("PIPEWELL_SMTP_ADDR", ""), env("PIPEWELL_SMTP_FROM", ""); addr != "" && from != "" {
		cfg.Mailer = server.SMTPMailer{Addr: addr, From: from,
			Username: env("PIPEWELL_SMTP_USER", ""), Password: env("PIPEWELL_SMTP_PASSWORD", "")}
		log.Info("mail enabled", "smtp", addr)
	}
	return cfg
}

// serveProfiler serves the profiler on its own listener, never on the app's
// address, and only on a loopback address.
func serveProfiler(ctx context.Context, log *slog.Logger, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-pprof %q: the profiler listens on a loopback address only (127.0.0.1:port)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	go func() { _ = srv.Serve(ln) }()
	log.Info("profiler serving", "addr", ln.Addr().String())
	return nil
}

// tuneGC lets the heap grow to five times the live data between collections
// (GOGC=400) instead of twice, within a soft limit of 160 MiB: a page
// allocates its rows and markup and drops them, the live heap is a few
// megabytes, and the collector otherwise runs every few requests. GOGC and
// GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}
