// Package postgres is the only package that speaks SQL. It owns the pool, the
// tenant transaction every read and write of tenant data runs in, the
// migrations runner, one file per aggregate, and the translation of driver
// errors into crm's error kinds: no pgx type or error leaves this package.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pipewell/pipewell/internal/crm"
)

// DB is the application's handle on PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
	// citus: the database is a Citus coordinator.
	citus bool
	// zones holds the time zones tenants name, loaded once each (loading
	// one reads and parses its file).
	zones sync.Map
	// searchRecordsFor, when not zero, bounds the header search's account
	// and contact lookups instead of the constant of that name.
	searchRecordsFor time.Duration
}

// zone returns the time zone called name (UTC for an unknown name).
func (db *DB) zone(name string) *time.Location {
	if l, ok := db.zones.Load(name); ok {
		return l.(*time.Location)
	}
	l := crm.LoadZone(name)
	db.zones.Store(name, l)
	return l
}

// Open connects to url with a pool sized for this service and checks that the
// server answers.
func Open(ctx context.Context, url string) (*DB, error) { return open(ctx, url, nil) }

// OpenRecording is Open with every statement the pool sends (alone or in a
// batch) passed to record, its text and arguments, before it runs: for
// tests that examine the queries the pages make (their plans on Citus).
func OpenRecording(ctx context.Context, url string, record func(sql string, args []any)) (*DB, error) {
	return open(ctx, url, record)
}

// recorder is the pgx tracer of OpenRecording.
type recorder func(sql string, args []any)

func (r recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r(d.SQL, d.Args)
	return ctx
}
func (recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (recorder) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (r recorder) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	r(d.SQL, d.Args)
}
func (recorder) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func open(ctx context.Context, url string, record func(sql string, args []any)) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if record != nil {
		cfg.ConnConfig.Tracer = recorder(record)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	// A database host that does not answer at all (down, unreachable) is
	// reported after this long instead of the pool's two minutes, so a
	// request waits seconds for its "unavailable" page. connect_timeout in
	// the URL wins.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	// Every query here is short and indexed; JIT compiling one (the planner
	// does so above a cost, e.g. a count it overestimates) costs tens of
	// milliseconds and saves nothing.
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	// On Citus, a statement's plan is made for its parameters each time: a
	// generic plan of an UPDATE ... FROM or a DELETE ... USING cannot
	// prune shards by the tenant parameter and would run on every shard.
	// One statement per new connection, and a no-op on plain PostgreSQL.
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SELECT set_config('plan_cache_mode', 'force_custom_plan', false) FROM pg_extension WHERE extname = 'citus'`)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := &DB{pool: pool}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database does not answer: %w", err)
	}
	if err := pool.QueryRow(pctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&db.citus); err != nil {
		pool.Close()
		return nil, fmt.Errorf("read database extensions: %w", err)
	}
	return db, nil
}

// Close closes every connection.
func (db *DB) Close() { db.pool.Close() }

// Ping checks that the database answers a query (readiness). An unavailable
// database is an error wrapping ErrUnavailable.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return unavailable(db.pool.QueryRow(ctx, "SELECT 1").Scan(&one))
}

// Citus reports whether the database is a Citus coordinator.
func (db *DB) Citus() bool { return db.citus }

// ErrCitusSetting is returned by CheckCitus when a Citus coordinator lacks a
// setting Pipewell needs.
var ErrCitusSetting = errors.New("citus setting missing")

// CheckCitus refuses a Citus coordinator that would not send the tenant
// binding to the workers: without citus.propagate_set_commands = 'local',
// SET LOCAL app.tenant_id stays on the coordinator, so row-level security
// on the workers shows every tenant read no rows and refuses every write.
// On plain PostgreSQL it checks nothing.
func (db *DB) CheckCitus(ctx context.Context) error {
	if !db.citus {
		return nil
	}
	var v, name string
	if err := db.pool.QueryRow(ctx, `SELECT current_setting('citus.propagate_set_commands'), current_database()`).Scan(&v, &name); err != nil {
		return fmt.Errorf("check citus settings: %w", err)
	}
	if v != "local" {
		return fmt.Errorf("%w: the database is a Citus coordinator and citus.propagate_set_commands is %q, so the tenant binding would not reach the workers; "+
			"set it to 'local' for the database (ALTER DATABASE %s SET citus.propagate_set_commands = 'local', then reconnect) "+
			"or in the coordinator's postgresql.conf (deploy/SCALE-OUT.md)", ErrCitusSetting, v, pgx.Identifier{name}.Sanitize())
	}
	return nil
}

// ErrUnsafeRole is returned by CheckAppRole when the connection could bypass
// row-level security.
var ErrUnsafeRole = errors.New("unsafe database role")

// CheckAppRole refuses a connection that row-level security would not bind:
// a superuser, a role with BYPASSRLS, or the owner of the tables (or a member
// of the owner role). The server must connect as the app role.
func (db *DB) CheckAppRole(ctx context.Context) error {
	var (
		user                string
		super, bypass, owns bool
	)
	err := db.pool.QueryRow(ctx, `
		SELECT r.rolname, r.rolsuper, r.rolbypassrls,
		       EXISTS (SELECT 1 FROM pg_tables t
		                WHERE t.schemaname = current_schema()
		                  AND pg_has_role(current_user, t.tableowner, 'MEMBER'))
		  FROM pg_roles r WHERE r.rolname = current_user`).Scan(&user, &super, &bypass, &owns)
	if err != nil {
		return fmt.Errorf("check database role: %w", err)
	}
	switch {
	case super:
		return fmt.Errorf("%w: %q is a superuser, so row-level security would not apply; connect as the app role (a member of pipewell_app, e.g. postgres://pipewell@host/pipewell) and run migrations with PIPEWELL_MIGRATE_URL as the owner", ErrUnsafeRole, user)
	case bypass:
		return fmt.Errorf("%w: %q has BYPASSRLS; connect as a role without it (ALTER ROLE %s NOBYPASSRLS, or use the pipewell app role)", ErrUnsafeRole, user, user)
	case owns:
		return fmt.Errorf("%w: %q owns the tables (or is a member of their owner); connect as the app role and keep the owner for migrations (PIPEWELL_MIGRATE_URL)", ErrUnsafeRole, user)
	}
	return nil
}
