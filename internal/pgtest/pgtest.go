// Package pgtest gives tests a fresh, migrated PostgreSQL database each,
// connected as the app role (not the owner, not superuser, no BYPASSRLS) so
// row-level security is in force exactly as in production. It is imported by
// _test.go files only.
//
// The superuser connection comes from PIPEWELL_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/postgres). pgtestdb migrates a template
// database once per migration hash, as its owner role, and clones it per test.
// With PIPEWELL_TEST_CITUS_WORKERS set, that URL is a Citus coordinator and
// each test's database is distributed over the workers (citus.go).
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for pgtestdb
	"github.com/peterldowns/pgtestdb"
	"github.com/peterldowns/pgtestdb/migrators/goosemigrator"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/migrations"
)

// AppRole is the login role tests connect as: a member of pipewell_app only.
const (
	AppRole     = "pipewell_test_app"
	appPassword = "pipewell_test_app"
)

// DB is one test's database.
type DB struct {
	*postgres.DB
	// AppURL connects as the app role; OwnerURL as the tables' owner.
	AppURL, OwnerURL string
	// Any is the same database as the app role for a test's own reads and
	// writes, which may leave the tenant to row-level security: on Citus
	// they may run on every shard (see AnyPlan); elsewhere it is DB.
	Any *postgres.DB
}

func superURL() string {
	if u := os.Getenv("PIPEWELL_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Option changes how New prepares a test's database.
type Option int

// AnyPlan lets the app role run statements that a Citus coordinator sends
// to every shard: for tests that read without naming the tenant, to check
// that row-level security alone keeps tenants apart. Without it, on Citus,
// such a statement is an error (every query of the application names the
// tenant and is routed to one shard). It changes nothing on plain
// PostgreSQL.
const AnyPlan Option = 1

// New returns a fresh migrated database for t, closed when t ends.
func New(t testing.TB, opts ...Option) *DB {
	t.Helper()
	su, err := url.Parse(superURL())
	if err != nil {
		t.Fatalf("PIPEWELL_TEST_DATABASE_URL: %v", err)
	}
	if Citus() {
		return newCitus(t, su, slices.Contains(opts, AnyPlan))
	}
	ensureRoles(t, su.String())
	pw, _ := su.User.Password()
	conf := pgtestdb.Config{
		DriverName: "pgx",
		User:       su.User.Username(),
		Password:   pw,
		Host:       su.Hostname(),
		Port:       su.Port(),
		Database:   su.Path[1:],
		Options:    "sslmode=disable",
	}
	inst := pgtestdb.Custom(t, conf, goosemigrator.New(".", goosemigrator.WithFS(migrations.FS)))
	owner := inst.URL()
	app := *inst
	app.User, app.Password = AppRole, appPassword
	ctx := context.Background()
	db, err := postgres.Open(ctx, app.URL())
	if err != nil {
		t.Fatalf("open test database as %s: %v", AppRole, err)
	}
	t.Cleanup(db.Close)
	return &DB{DB: db, AppURL: app.URL(), OwnerURL: owner, Any: db}
}

// ensureRoles creates the app group role and the test login role once per
// cluster. Concurrent test binaries may race here; a duplicate is fine.
func ensureRoles(t testing.TB, super string) {
	t.Helper()
	db, err := sql.Open("pgx", super)
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer db.Close()
	stmts := []string{
		`CREATE ROLE pipewell_app NOLOGIN NOSUPERUSER NOBYPASSRLS`,
		fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE pipewell_app`,
			AppRole, appPassword),
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil && !isDuplicateRole(err) {
			t.Fatalf("create test roles (%s): %v", s, err)
		}
	}
}

func isDuplicateRole(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "42710" || pg.Code == "23505" // duplicate_object, or a concurrent insert into pg_authid
	}
	return false
}

// TerminateConnections ends every connection to this test database as the
// superuser does (pg_terminate_backend: the server answers SQLSTATE 57P01 and
// closes them), waiting until each is gone. It returns how many it ended.
func (db *DB) TerminateConnections(t testing.TB) int {
	t.Helper()
	u, err := url.Parse(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	su, err := sql.Open("pgx", superURL())
	if err != nil {
		t.Fatalf("connect as superuser: %v", err)
	}
	defer su.Close()
	var n int
	err = su.QueryRow(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000))
		FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, u.Path[1:]).Scan(&n)
	if err != nil {
		t.Fatalf("terminate connections: %v", err)
	}
	return n
}
