package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/seed"
)

// BenchmarkAdminMilestones measures the milestones admin page's query (the
// definitions with completions and "pending now" per milestone) on a tenant
// with 100,000 projects.
func BenchmarkAdminMilestones(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	admin := db.Tenant(b, "Big")
	var reps []crm.UserID
	for _, n := range []string{"Ann", "Bob", "Cyd", "Dee"} {
		reps = append(reps, db.User(b, admin, crm.RoleSales, n).ID)
	}
	if err := seed.Projects(ctx, db.DB, admin.TenantID, reps, admin.ID, 100_000, 1, time.Now()); err != nil {
		b.Fatal(err)
	}
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	owner.Close(ctx)
	b.ResetTimer()
	for b.Loop() {
		ms, _, err := db.Milestones(ctx, admin.TenantID)
		if err != nil || len(ms) != 4 {
			b.Fatalf("%d milestones, %v", len(ms), err)
		}
	}
}
