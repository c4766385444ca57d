package postgres

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// RawQueryRow runs a query outside any tenant transaction: tests use it to show
// that such a query sees no tenant data.
func (db *DB) RawQueryRow(ctx context.Context, sql string, dest ...any) error {
	return db.pool.QueryRow(ctx, sql).Scan(dest...)
}

// FailAfterFirstWrite makes every project change fail with err right after
// its first write (nil switches it off).
func (db *DB) FailAfterFirstWrite(err error) { db.failAfterFirstWrite = err }

// LateExprForTest is the SQL late flag with its placeholders numbered from $2
// (the tenant is $1); LateArgsForTest are its arguments.
func LateExprForTest(f SalesFilter) string {
	args := []any{nil}
	return f.lateExpr(&args)
}

func LateArgsForTest(f SalesFilter) []any {
	var args []any
	f.lateExpr(&args)
	return args
}

// SeedProjects writes n demo projects into the tenant (benchmarks).
func (db *DB) SeedProjects(ctx context.Context, tenant crm.TenantID, reps []crm.UserID, manager crm.UserID, n int, now time.Time) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		return tx.seedProjects(ctx, rand.New(rand.NewPCG(1, 2)), reps, manager, n, now)
	})
}

// SortExprForTest is the SQL expression a Sales screen sort orders by.
func SortExprForTest(s SalesSort) string { return SalesSorts[s].expr }

// UnavailableForTest is how the package marks driver errors of an
// unavailable database.
func UnavailableForTest(err error) error { return unavailable(err) }
