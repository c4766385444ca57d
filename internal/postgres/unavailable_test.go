package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

func TestUnavailableErrorsAreNamed(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown
		{&pgconn.PgError{Code: "57P02"}, true}, // crash_shutdown
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot_connect_now
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{&pgconn.PgError{Code: "53300"}, true}, // too_many_connections
		{fmt.Errorf("load project 3: %w", &pgconn.PgError{Code: "57P01"}), true},
		{refused, true},
		{fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{syscall.ECONNRESET, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "28P01"}, false}, // wrong password: not a passing outage
		{&pgconn.PgError{Code: "3D000"}, false}, // no such database
		{&pgconn.PgError{Code: "40001"}, false},
		{fmt.Errorf("query: %w", context.Canceled), false},
		{crm.ErrNotFound, false},
		{errors.New("something else"), false},
	} {
		err := postgres.UnavailableForTest(tc.err)
		if got := errors.Is(err, postgres.ErrUnavailable); got != tc.want {
			t.Errorf("%v: unavailable = %v, want %v", tc.err, got, tc.want)
		}
		if tc.want && errors.As(err, new(*pgconn.PgError)) {
			t.Errorf("%v: the driver's error leaves the package", tc.err)
		}
		if !tc.want && err != tc.err {
			t.Errorf("%v: changed to %v", tc.err, err)
		}
	}
	if postgres.UnavailableForTest(nil) != nil {
		t.Error("nil is not an error")
	}
}

// TestStoppedDatabaseIsUnavailable: with PostgreSQL out of reach (a proxy in
// front of it stopped: open connections dropped, new ones refused), every
// entry point a request uses answers an error wrapping ErrUnavailable, with
// no pgx type in it; once it is back, they work again.
func TestStoppedDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	tdb := pgtest.New(t)
	u := tdb.Tenant(t, "Acme")
	proxy := pgtest.NewProxy(t, tdb.AppURL)
	ctx := context.Background()
	db, err := postgres.Open(ctx, proxy.URL(tdb.AppURL))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sessions := db.Sessions()
	calls := map[string]func() error{
		"Ping": func() error { return db.Ping(ctx) },
		"Identity": func() error {
			_, err := db.Identity(ctx, u.TenantID, u.ID)
			return err
		},
		"UserForLogin": func() error {
			_, err := db.UserForLogin(ctx, u.Email)
			return err
		},
		"session Find": func() error {
			_, _, err := sessions.Find("no such token")
			return err
		},
	}
	for name, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("%s with the database up: %v", name, err)
		}
	}
	proxy.Stop()
	for name, call := range calls {
		err := call()
		if !errors.Is(err, postgres.ErrUnavailable) {
			t.Errorf("%s with the database stopped: %v, want ErrUnavailable", name, err)
		}
		if errors.As(err, new(*pgconn.ConnectError)) || errors.As(err, new(*pgconn.PgError)) {
			t.Errorf("%s: a pgx error leaves the package: %#v", name, err)
		}
	}
	proxy.Start()
	for name, call := range calls {
		if err := call(); err != nil {
			t.Errorf("%s with the database back: %v", name, err)
		}
	}
}

// TestTerminatedConnectionIsUnavailable: a connection the server ends in
// the middle of a tenant transaction (pg_terminate_backend, as a fast
// shutdown does: SQLSTATE 57P01) makes the transaction's error wrap
// ErrUnavailable.
func TestTerminatedConnectionIsUnavailable(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	u := db.Tenant(t, "Acme")
	ctx := context.Background()
	err := db.InTenant(ctx, u.TenantID, func(tx *postgres.Tx) error {
		if n := db.TerminateConnections(t); n == 0 {
			t.Fatal("no connection to terminate")
		}
		var n int
		return tx.QueryRow(ctx, "SELECT count(*) FROM users WHERE tenant_id = $1", u.TenantID).Scan(&n)
	})
	if !errors.Is(err, postgres.ErrUnavailable) {
		t.Fatalf("query on a terminated connection: %v, want ErrUnavailable", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("the pool does not recover: %v", err)
	}
}
