package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestBuilderDaysFollowChanges: a project's stage date and sales cycle
// (what the report builder's day measures read) are written by the change
// that moves them — a completion days after creation, the sale, a change
// of the time zone — exactly as a recompute gives, and hold the local
// date of the stage's start in the company's zone.
func TestBuilderDaysFollowChanges(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Stage Days Solar")
	now := time.Now().Truncate(time.Microsecond)
	created := now.AddDate(0, 0, -10)
	a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: created, Loc: time.UTC}
	lead := db.Lead(t, a, "Stage roof")
	a.Now = now
	stored := func() (day string, cycle *int64) {
		t.Helper()
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT to_char(stage_day, 'YYYY-MM-DD'), cycle_seconds FROM projects WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, lead).Scan(&day, &cycle)
		})
		if err != nil {
			t.Fatal(err)
		}
		return day, cycle
	}
	same := func(step string) {
		t.Helper()
		before := pgtest.Derived(t, db, admin.TenantID)
		if err := db.Refresh(ctx, admin.TenantID); err != nil {
			t.Fatal(err)
		}
		pgtest.SameDerived(t, before, pgtest.Derived(t, db, admin.TenantID), step)
	}
	if day, cycle := stored(); day != created.UTC().Format(time.DateOnly) || cycle != nil {
		t.Errorf("new lead: stage day %s, cycle %v; want %s, none", day, cycle, created.UTC().Format(time.DateOnly))
	}
	complete := func(name string, at time.Time) {
		t.Helper()
		_, err := db.ChangeProject(ctx, a.Viewer, lead, func(p crm.Project, s crm.Setup) (crm.Change, error) {
			var id crm.MilestoneID
			earlier := map[crm.MilestoneID]time.Time{}
			for _, d := range s.Defs {
				earlier[d.ID] = at
				if d.Name == name {
					id = d.ID
				}
			}
			return crm.DecideComplete(p, s.Defs, crm.CompleteMilestone{Version: p.Version, MilestoneID: id, At: at, Earlier: true, EarlierAt: earlier}, a)
		})
		if err != nil {
			t.Fatalf("complete %s: %v", name, err)
		}
	}
	qualified := now.AddDate(0, 0, -4)
	complete("Lead qualified", qualified)
	if day, _ := stored(); day != qualified.UTC().Format(time.DateOnly) {
		t.Errorf("qualified: stage day %s, want %s", day, qualified.UTC().Format(time.DateOnly))
	}
	same("qualified days after creation")
	complete("Sold", now.Add(-time.Hour))
	if _, cycle := stored(); cycle == nil || *cycle != int64(now.Add(-time.Hour).Sub(created)/time.Second) {
		t.Errorf("sold: cycle %v s, want %d", cycle, int64(now.Add(-time.Hour).Sub(created)/time.Second))
	}
	same("sold")
	// Far east, the qualification may fall on another local day.
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error { return tx.SetTimeZone(ctx, "Pacific/Kiritimati") })
	if err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("Pacific/Kiritimati")
	if day, _ := stored(); day != now.Add(-time.Hour).In(zone).Format(time.DateOnly) {
		t.Errorf("in Kiritimati: stage day %s, want %s", day, now.Add(-time.Hour).In(zone).Format(time.DateOnly))
	}
	same("time zone")
}
