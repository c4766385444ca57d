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

// TestSaleInstantFollowsTheWonMilestone: a sold project's stored sale
// instant (what the builder's sold month and sold-at filter read) is the
// engine's — the won milestone's completion — when it is sold, and again
// after the admin flags another milestone as won, as a recompute gives.
func TestSaleInstantFollowsTheWonMilestone(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Sale Instant Solar")
	now := time.Now().Truncate(time.Second)
	a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: now.AddDate(0, -3, 0), Loc: time.UTC}
	lead := db.Lead(t, a, "Sale roof")
	a.Now = now
	setup, err := db.Setup(ctx, admin.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	process := crm.Process(setup.Defs)
	proposed, sold := process[2], process[3]
	proposedAt, soldAt := now.AddDate(0, -2, 0).Add(250*time.Millisecond), now.AddDate(0, -1, 0).Add(700*time.Millisecond)
	for _, c := range []struct {
		d  crm.MilestoneDef
		at time.Time
	}{{proposed, proposedAt}, {sold, soldAt}} {
		_, err := db.ChangeProject(ctx, a.Viewer, lead, func(p crm.Project, s crm.Setup) (crm.Change, error) {
			earlier := map[crm.MilestoneID]time.Time{}
			for _, d := range s.Defs {
				earlier[d.ID] = c.at
			}
			return crm.DecideComplete(p, s.Defs, crm.CompleteMilestone{Version: p.Version, MilestoneID: c.d.ID, At: c.at, Earlier: true, EarlierAt: earlier}, a)
		})
		if err != nil {
			t.Fatalf("complete %s: %v", c.d.Name, err)
		}
	}
	stored := func() time.Time {
		t.Helper()
		var at time.Time
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT sold_at FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, lead).Scan(&at)
		})
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	if got := stored(); got.Unix() != soldAt.Unix() {
		t.Errorf("sold: stored sale %v, want the completion of %s, %v", got, sold.Name, soldAt)
	}
	sameAfterRefresh(t, db, admin.TenantID, "sold")
	// The admin flags Proposed as the won milestone: the sale is now its
	// completion.
	spec := proposed.MilestoneSpec
	spec.Won = true
	if _, err := db.ChangeProcess(ctx, admin.TenantID, admin.ID, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
		return crm.DecideEditMilestone(ms, proposed.ID, spec)
	}); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got.Unix() != proposedAt.Unix() {
		t.Errorf("won flag moved: stored sale %v, want the completion of %s, %v", got, proposed.Name, proposedAt)
	}
	sameAfterRefresh(t, db, admin.TenantID, "won flag moved")
}
