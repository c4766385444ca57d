package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/internal/seed"
)

// totalsByLast is the tenant's running totals with their last completed
// milestone (which pgtest.Derived leaves out), one line per group.
func totalsByLast(t *testing.T, db *pgtest.DB, tenant crm.TenantID) []string {
	t.Helper()
	var out []string
	err := db.InTenant(context.Background(), tenant, func(tx *postgres.Tx) error {
		rows, err := tx.Query(context.Background(), `
			SELECT format('%s %s %s %s %s: %s %s %s', state, owner_id, pending_milestone_id, last_milestone_id, active_from,
			              projects, value_cents, weighted_cents)
			  FROM project_totals WHERE tenant_id = $1 AND projects <> 0 ORDER BY 1`, tx.Tenant)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProbabilityChangeReweighs: a change of a milestone's probability, a
// switch to learned probabilities and back, and a probability change while
// they are learned each leave every project's weighted value and the
// running totals exactly as a full recompute and a rebuild of the totals
// give them, overrides, archived, sold and deferred projects included, and
// leave another tenant's projects as they were.
func TestProbabilityChangeReweighs(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Microsecond)
	admin := db.Tenant(t, "Weighted Solar")
	rep := db.User(t, admin, crm.RoleSales, "Rae Rep")
	other := db.Tenant(t, "Other Solar")
	orep := db.User(t, other, crm.RoleSales, "Oda Rep")
	if err := seed.Projects(ctx, db.DB, admin.TenantID, []crm.UserID{rep.ID, admin.ID}, admin.ID, 400, 7, now); err != nil {
		t.Fatal(err)
	}
	if err := seed.Projects(ctx, db.DB, other.TenantID, []crm.UserID{orep.ID}, other.ID, 60, 8, now); err != nil {
		t.Fatal(err)
	}
	// Overrides on projects of every state, then the derived data made to
	// agree with them.
	for _, tenant := range []crm.TenantID{admin.TenantID, other.TenantID} {
		err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE projects SET probability_override = (id * 7) % 101 WHERE tenant_id = $1 AND id % 5 = 0`, tx.Tenant)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Refresh(ctx, tenant); err != nil {
			t.Fatal(err)
		}
	}
	otherDerived, otherTotals := pgtest.Derived(t, db, other.TenantID), totalsByLast(t, db, other.TenantID)

	// The milestone most projects of each state last completed.
	type stage struct {
		state string
		id    crm.MilestoneID
	}
	var targets []stage
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT DISTINCT ON (state) state, last_milestone_id FROM projects
			 WHERE tenant_id = $1 AND last_milestone_id IS NOT NULL
			 GROUP BY state, last_milestone_id ORDER BY state, count(*) DESC`, tx.Tenant)
		if err != nil {
			return err
		}
		targets, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (stage, error) {
			var s stage
			return s, r.Scan(&s.state, &s.id)
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 4 {
		t.Fatalf("want projects of 4 states with a completed milestone, have %v", targets)
	}

	weighted := func() map[int64]int64 {
		out := map[int64]int64{}
		_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			var id, w int64
			rows, _ := tx.Query(ctx, `SELECT id, weighted_cents FROM projects WHERE tenant_id = $1`, tx.Tenant)
			_, err := pgx.ForEachRow(rows, []any{&id, &w}, func() error { out[id] = w; return nil })
			return err
		})
		return out
	}
	// check compares what the change stored with a full recompute and a
	// rebuild of the totals, and says how many weighted values changed.
	check := func(step string, prev map[int64]int64) map[int64]int64 {
		t.Helper()
		stored, storedTotals := pgtest.Derived(t, db, admin.TenantID), totalsByLast(t, db, admin.TenantID)
		now := weighted()
		changed := 0
		for id, w := range now {
			if prev[id] != w {
				changed++
			}
		}
		if changed == 0 {
			t.Errorf("%s: no weighted value changed", step)
		}
		if err := db.Refresh(ctx, admin.TenantID); err != nil {
			t.Fatal(err)
		}
		pgtest.SameDerived(t, stored, pgtest.Derived(t, db, admin.TenantID), step)
		pgtest.SameDerived(t, storedTotals, totalsByLast(t, db, admin.TenantID), step+" (totals)")
		pgtest.SameDerived(t, otherDerived, pgtest.Derived(t, db, other.TenantID), step+" (other tenant)")
		pgtest.SameDerived(t, otherTotals, totalsByLast(t, db, other.TenantID), step+" (other tenant's totals)")
		return now
	}
	setProbability := func(id crm.MilestoneID, p int) {
		t.Helper()
		_, err := db.ChangeProcess(ctx, admin.TenantID, admin.ID, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
			for _, m := range ms {
				if m.ID == id {
					spec := m.MilestoneSpec
					spec.Probability = p
					return crm.DecideEditMilestone(ms, id, spec)
				}
			}
			return crm.ProcessChange{}, fmt.Errorf("milestone %d not found", id)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	learned := func(on bool) {
		t.Helper()
		s, err := db.Settings(ctx, admin.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		err = db.UpdateSettings(ctx, admin.TenantID, admin.ID, crm.Settings{Name: s.Name, Currency: s.Currency, TimeZone: s.TimeZone,
			Country: s.Country, StagnantDays: s.StagnantDays, LearnedProbabilities: on})
		if err != nil {
			t.Fatal(err)
		}
	}

	w := weighted()
	for i, s := range targets {
		setProbability(s.id, 13+i*17)
		if s.state == "active" || s.state == "deferred" {
			w = check("probability of the "+s.state+" projects' stage", w)
		}
	}
	learned(true)
	w = check("learned probabilities on", w)
	setProbability(targets[0].id, 91)
	w = check("probability changed while learned", w)
	learned(false)
	check("learned probabilities off", w)
}
