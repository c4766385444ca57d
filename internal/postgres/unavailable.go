package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// ErrUnavailable is wrapped by every error of this package that means
// PostgreSQL cannot serve the request right now: it is down, restarting,
// shutting down or recovering, refuses connections, or dropped the
// connection the request was using. Nothing was done; the same request may
// succeed a few seconds later. Test with errors.Is.
var ErrUnavailable = errors.New("database unavailable")

// unavailable returns err wrapped with ErrUnavailable when it says the
// database cannot be reached; other errors (nil too) pass unchanged. The
// driver's error is kept as text only, so no pgx type leaves this package.
func unavailable(err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// isUnavailable reports whether err comes from the database (or the way to
// it) being unavailable rather than from the request.
func isUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the request was abandoned (client gone, shutdown): not an outage
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case strings.HasPrefix(pg.Code, "08"): // connection exception
			return true
		case pg.Code == "57P01", // admin_shutdown: terminated by a fast shutdown or pg_terminate_backend
			pg.Code == "57P02", // crash_shutdown: another backend crashed, the server restarts
			pg.Code == "57P03", // cannot_connect_now: starting up, shutting down, in recovery
			pg.Code == "53300": // too_many_connections
			return true
		}
		return false // any other answer from the server (bad password, missing database, SQL errors)
	}
	var connect *pgconn.ConnectError
	var op *net.OpError
	switch {
	case errors.As(err, &connect), // no connection could be made (refused, unreachable, timed out)
		errors.As(err, &op),                  // the network failed under a connection
		errors.Is(err, pgconn.ErrConnClosed), // a connection that died earlier
		errors.Is(err, io.EOF),               // the server closed the connection mid-answer
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, puddle.ErrClosedPool): // the pool is closed: the server is stopping
		return true
	}
	return false
}
