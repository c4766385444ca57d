package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
)

// Tx is a transaction bound to one tenant. Row-level security lets it see that
// tenant's rows only; queries still name tenant_id explicitly (indexes lead
// with it, the planner and a distributed engine need it).
type Tx struct {
	conn   *pgxpool.Conn
	Tenant crm.TenantID
	// commitNext: the next batch ends with COMMIT (commitWithNextBatch);
	// committed: it was sent, and the transaction is over.
	commitNext, committed bool
	// eng is the tenant's engine for derived data, and loc its zone, once
	// built in this transaction (see engine).
	eng *pipeline.Engine
	loc *time.Location
	// region is the tenant's phone region (crm.Tenant.PhoneRegion), once
	// read in this transaction (phoneRegion).
	region *string
	// citus: the database is a Citus coordinator (bulk loads use
	// multi-row INSERTs instead of COPY).
	citus bool
	db    *DB
	// pending: BEGIN and the tenant binding are not sent yet; they go
	// with the transaction's first statement (see start and SendBatch).
	pending bool
}

// errCommitted is returned by statements sent after commitWithNextBatch's
// batch: the transaction, and with it the tenant binding, is over.
var errCommitted = errors.New("tenant transaction already committed")

// commitWithNextBatch makes the next SendBatch end with COMMIT, so that a
// read-only page's last statements and the commit travel in one round trip
// instead of two. The transaction is over after that batch: later statements
// on tx fail (outside it the tenant binding is gone, so row-level security
// would show them nothing). For reads only: an error reading the batch's
// results after the commit does not undo it.
func (tx *Tx) commitWithNextBatch() { tx.commitNext = true }

// InTenant runs fn in a transaction bound to tenant: the only way to touch
// tenant data. It commits when fn returns nil and rolls back otherwise (and on
// panic). The binding is SET LOCAL, so it ends with the transaction and never
// leaks to the next user of the pooled connection. An error that means the
// database is unavailable, from fn too, wraps ErrUnavailable.
func (db *DB) InTenant(ctx context.Context, tenant crm.TenantID, fn func(tx *Tx) error) (err error) {
	defer addDBTime(ctx, time.Now())
	defer func() { err = unavailable(err) }()
	if tenant <= 0 {
		return fmt.Errorf("tenant transaction: invalid tenant %d", tenant)
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	// Release checks the transaction status: a connection returned mid-transaction
	// (commit failed, context cancelled) is closed by the pool, not reused.
	defer conn.Release()
	tx := &Tx{conn: conn, Tenant: tenant, citus: db.citus, db: db, pending: true}
	if db.citus {
		// A distributed database needs SET LOCAL itself (it propagates
		// that to the workers, not set_config), a literal per tenant that
		// is better not cached: sent on its own, before anything else.
		if err := begin(ctx, conn.Conn().PgConn(), tenant); err != nil {
			return fmt.Errorf("begin tenant transaction: %w", err)
		}
		tx.pending = false
	}
	done := false
	defer func() {
		if !done && !tx.pending {
			_, _ = conn.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	done = true
	if tx.committed || tx.pending {
		return nil // committed with the last batch, or nothing was sent
	}
	if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// begin starts a transaction on conn bound to tenant in one round trip:
// BEGIN and SET LOCAL app.tenant_id pipelined as two statements of their
// own (as one simple-protocol message, a distributed database replays the
// pair and warns that a transaction is already in progress) and unnamed, so
// no per-tenant statement fills the connection's cache. The ID is an integer
// formatted by strconv: nothing user-typed reaches this SQL.
func begin(ctx context.Context, conn *pgconn.PgConn, tenant crm.TenantID) error {
	p := conn.StartPipeline(ctx)
	p.SendQueryParams("BEGIN", nil, nil, nil, nil)
	p.SendQueryParams(bindTenant(tenant), nil, nil, nil, nil)
	err := p.Sync()
	for i := 0; err == nil && i < 2; i++ {
		err = readResult(p)
	}
	if err == nil {
		_, err = p.GetResults() // the Sync
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return err
}

// bindTenant is the statement that binds the transaction to tenant.
func bindTenant(tenant crm.TenantID) string {
	return "SET LOCAL app.tenant_id = '" + strconv.FormatInt(int64(tenant), 10) + "'"
}

// readResult reads the next result of a pipeline and returns its error.
func readResult(p *pgconn.Pipeline) error {
	res, err := p.GetResults()
	if err != nil {
		return err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return fmt.Errorf("unexpected pipeline result %T", res)
	}
	return rr.Read().Err
}

// bindTenantParam binds the transaction to a tenant like SET LOCAL, as one
// prepared statement for every tenant.
const bindTenantParam = "SELECT set_config('app.tenant_id', $1, true)"

// start sends BEGIN and the tenant binding if they are still pending:
// before a statement sent on its own. (SendBatch puts them in front of its
// batch instead, saving the round trip.)
func (tx *Tx) start(ctx context.Context) error {
	if !tx.pending {
		return nil
	}
	if err := begin(ctx, tx.conn.Conn().PgConn(), tx.Tenant); err != nil {
		return fmt.Errorf("begin tenant transaction: %w", err)
	}
	tx.pending = false
	return nil
}

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if tx.committed {
		return pgconn.CommandTag{}, errCommitted
	}
	if err := tx.start(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return tx.conn.Exec(ctx, sql, args...)
}

// Query runs a query returning rows.
func (tx *Tx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if tx.committed {
		return nil, errCommitted
	}
	if err := tx.start(ctx); err != nil {
		return nil, err
	}
	return tx.conn.Query(ctx, sql, args...)
}

// QueryRow runs a query returning at most one row.
func (tx *Tx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if tx.committed {
		return errRow{errCommitted}
	}
	if err := tx.start(ctx); err != nil {
		return errRow{err}
	}
	return tx.conn.QueryRow(ctx, sql, args...)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// SendBatch sends several statements in one round trip (ending with COMMIT
// after commitWithNextBatch; its result is read by the batch's Close). The
// transaction's first batch begins it: BEGIN and the tenant binding go in
// front, and their results are read here.
func (tx *Tx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if tx.committed {
		return errBatch{errCommitted}
	}
	if tx.commitNext {
		b.Queue("COMMIT")
		tx.commitNext, tx.committed = false, true
	}
	if !tx.pending {
		return tx.conn.SendBatch(ctx, b)
	}
	tx.pending = false
	first := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+2)}
	first.Queue("BEGIN")
	first.Queue(bindTenantParam, strconv.FormatInt(int64(tx.Tenant), 10))
	first.QueuedQueries = append(first.QueuedQueries, b.QueuedQueries...)
	br := tx.conn.SendBatch(ctx, first)
	for range 2 {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return errBatch{fmt.Errorf("begin tenant transaction: %w", err)}
		}
	}
	return br
}

// errBatch is the result of a batch that could not run: sent after the
// transaction was over, or whose BEGIN failed.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow{b.err} }
func (b errBatch) Close() error                     { return b.err }
func (errBatch) Tx() pgx.Tx                         { return nil }

// CopyFrom bulk-loads rows with COPY.
func (tx *Tx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if tx.committed {
		return 0, errCommitted
	}
	if err := tx.start(ctx); err != nil {
		return 0, err
	}
	return tx.conn.CopyFrom(ctx, table, cols, src)
}

// translate maps driver errors to crm's kinds and marks those of an
// unavailable database with ErrUnavailable; other errors pass unchanged.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w (%v)", crm.ErrNotFound, err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "40001", "40P01": // serialization failure, deadlock: someone else changed it first
			return fmt.Errorf("%w (%v)", crm.ErrConflict, err)
		}
	}
	return unavailable(err)
}

// isUnique reports whether err is a unique violation of constraint.
func isUnique(err error, constraint string) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		return false
	}
	if constraint == "" || isConstraint(pg.ConstraintName, constraint) {
		return true
	}
	// A Citus coordinator relays a worker's error without its fields: the
	// constraint is named in the message only.
	if pg.ConstraintName == "" {
		if _, rest, ok := strings.Cut(pg.Message, `unique constraint "`); ok {
			name, _, _ := strings.Cut(rest, `"`)
			return isConstraint(name, constraint)
		}
	}
	return false
}

// isConstraint reports whether the constraint a server names is constraint
// (a Citus worker names the shard's copy, constraint_<shard ID>).
func isConstraint(got, constraint string) bool {
	if got == constraint {
		return true
	}
	return strings.HasPrefix(got, constraint+"_") && strings.Trim(got[len(constraint)+1:], "0123456789") == ""
}

// isForeignKey reports whether err is a foreign-key violation (an ID that does
// not exist in this tenant).
func isForeignKey(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503"
}

// AsyncCommit lets the transaction commit without waiting for its WAL to
// reach the disk: for bulk loads that are simply run again after a crash.
func (tx *Tx) AsyncCommit(ctx context.Context) error {
	_, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off")
	return err
}
