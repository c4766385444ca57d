package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/server"
)

// TestHealthcheckFollowsReadiness: `pipewell healthcheck` passes while the
// server's database answers and fails while it does not (the proxy to it
// stopped), and fails when nothing listens.
func TestHealthcheckFollowsReadiness(t *testing.T) {
	tdb := pgtest.New(t)
	proxy := pgtest.NewProxy(t, tdb.AppURL)
	db, err := postgres.Open(context.Background(), proxy.URL(tdb.AppURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ts := httptest.NewServer(server.New(db, server.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")

	if err := healthcheck(context.Background(), []string{"-addr", addr}); err != nil {
		t.Fatalf("healthcheck with the database up: %v", err)
	}
	proxy.Stop()
	err = healthcheck(context.Background(), []string{"-addr", addr})
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("healthcheck with the database stopped: %v, want a 503 failure", err)
	}
	proxy.Start()
	if err := healthcheck(context.Background(), []string{"-addr", addr}); err != nil {
		t.Fatalf("healthcheck with the database back: %v", err)
	}
	ts.Close()
	if err := healthcheck(context.Background(), []string{"-addr", addr}); err == nil {
		t.Fatal("healthcheck passes with no server")
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/readyz",
		"[::]:8080":      "http://127.0.0.1:8080/readyz",
		"127.0.0.1:8080": "http://127.0.0.1:8080/readyz",
		"10.1.2.3:80":    "http://10.1.2.3:80/readyz",
	} {
		if got, err := readyURL(addr); err != nil || got != want {
			t.Errorf("readyURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := readyURL("8080"); err == nil {
		t.Error("a port without a colon is accepted")
	}
}
