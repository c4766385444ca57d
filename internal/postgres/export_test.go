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

// SeedProjects writes n demo projects into the tenant (benchmarks).
func (db *DB) SeedProjects(ctx context.Context, tenant crm.TenantID, reps []crm.UserID, manager crm.UserID, n int, now time.Time) error {
	return db.InTenant(ctx, tenant, func(tx *Tx) error {
		return tx.seedProjects(ctx, rand.New(rand.NewPCG(1, 2)), reps, manager, n, now)
	})
}
