package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/pgtest"
)

// TestServeShutsDownGracefully starts `serve`, begins a request, signals
// shutdown, and shows the listener closes while the request in flight still
// gets its answer and serve returns cleanly.
func TestServeShutsDownGracefully(t *testing.T) {
	db := pgtest.New(t)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("PIPEWELL_MIGRATE_URL", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { done <- serve(ctx, log, []string{"-addr", addr}) }()

	var conn net.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err = net.Dial("tcp", addr)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer conn.Close()
	// A log-in whose body is still arriving: its handler is running, reading the form.
	body := "email=nobody%40example.com&password=whatever+it+is"
	head := "POST /login HTTP/1.1\r\nHost: pipewell\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	if _, err := io.WriteString(conn, head+body[:10]); err != nil {
		t.Fatal(err)
	}
	// Wait until the handler runs (it blocks reading the rest of the body):
	// the server drops a request whose headers arrive after shutdown began.
	for !handlerRunning("server.(*Server).handleLogin") {
		if time.Now().After(deadline) {
			t.Fatal("the log-in handler never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	// Wait until the server stops accepting new connections.
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still open after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Finish the request in flight: it must still be answered.
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request lost during shutdown: %v", err)
	}
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(page), "E-mail or password is wrong") {
		t.Fatalf("in-flight request: %d", res.StatusCode)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after a graceful shutdown", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not return")
	}
}

// TestServeStopsWithinItsLimit: a request that waits on the database (a
// table lock held elsewhere) past the grace period is cancelled, and serve
// returns within its shutdown limit, not when the lock is released. (Before,
// it returned only when the request finished: 40 s for a lock held 40 s.)
func TestServeStopsWithinItsLimit(t *testing.T) {
	db := pgtest.New(t)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("PIPEWELL_MIGRATE_URL", "")
	addr := freeAddr(t)
	owner, err := sql.Open("pgx", db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	lock, err := owner.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	if _, err := lock.Exec("LOCK TABLE login_emails IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The last tenth of the limit is for cancelling the request and closing
	// the pool: half a second, which a loaded machine needs.
	const limit = 5 * time.Second
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), []string{"-addr", addr, "-shutdown-timeout", limit.String()})
	}()
	waitListening(t, addr)
	answered := make(chan error, 1)
	go func() {
		res, err := http.PostForm("http://"+addr+"/login", url.Values{"email": {"rep@example.com"}, "password": {"whatever it is"}})
		if err == nil {
			res.Body.Close()
		}
		answered <- err
	}()
	// The log-in waits for the lock, in the database.
	deadline := time.Now().Add(10 * time.Second)
	for !handlerRunning("postgres.(*DB).UserForLogin") {
		if time.Now().After(deadline) {
			t.Fatal("the log-in never reached the database")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		took := time.Since(start)
		if err != nil {
			t.Fatalf("serve: %v, want a clean stop (the request cancelled, the pool closed)", err)
		}
		if took < limit*9/10 || took > limit+time.Second {
			t.Fatalf("serve stopped after %v, want the grace period (%v) and at most the limit (%v)", took, limit*9/10, limit)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve still running 20 s after the signal, with a %v limit", limit)
	}
	if err := <-answered; err == nil {
		t.Fatal("the cancelled request was answered as if it had finished")
	}
}

// TestServeRefusesUnsafeRole: as the tables' owner, serve must not start.
func TestServeRefusesUnsafeRole(t *testing.T) {
	db := pgtest.New(t)
	t.Setenv("DATABASE_URL", db.OwnerURL)
	t.Setenv("PIPEWELL_MIGRATE_URL", "")
	err := serve(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), []string{"-addr", "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "owns the tables") || !strings.Contains(err.Error(), "app role") {
		t.Fatalf("serve as owner: %v, want a refusal that says how to fix it", err)
	}
}

// handlerRunning reports whether a goroutine of this process is inside fn.
func handlerRunning(fn string) bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), fn)
}

// freeAddr returns a 127.0.0.1 address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
