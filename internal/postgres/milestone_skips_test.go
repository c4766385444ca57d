package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// TestNewMilestoneAppliesAsChosen adds "Site survey" after "Lead qualified"
// to a live process, once for projects that have not reached a later
// milestone and once for all: the preview's counts match what then
// happens, projects past it skip it (and keep their next step) only in the
// first case, and every stored pending milestone equals a direct reading of
// the rows (first active milestone by position neither completed nor
// skipped).
func TestNewMilestoneAppliesAsChosen(t *testing.T) {
	for _, apply := range []crm.ApplyTo{crm.ApplyToNotReached, crm.ApplyToAll} {
		t.Run(string(apply), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			ctx := context.Background()
			admin := db.Tenant(t, "Skip Solar")
			now := time.Now().Truncate(time.Second)
			a := crm.Actor{Viewer: crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}, Now: now, Loc: time.UTC}
			_, defs, err := db.PickLists(ctx, admin.TenantID)
			if err != nil {
				t.Fatal(err)
			}
			process := crm.Process(defs) // Lead created, Lead qualified, Proposed, Sold
			complete := func(id crm.ProjectID, upTo int) {
				t.Helper()
				_, err := db.ChangeProject(ctx, a.Viewer, id, func(p crm.Project, s crm.Setup) (crm.Change, error) {
					earlier := map[crm.MilestoneID]time.Time{}
					for _, d := range s.Defs {
						earlier[d.ID] = now.Add(-time.Hour)
					}
					return crm.DecideComplete(p, s.Defs, crm.CompleteMilestone{Version: p.Version, MilestoneID: process[upTo].ID,
						At: now.Add(-time.Minute), Earlier: true, EarlierAt: earlier}, a)
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			earlier := a
			earlier.Now = now.Add(-2 * time.Hour)
			fresh := db.Lead(t, earlier, "Fresh lead")    // pending: Lead qualified
			qualified := db.Lead(t, earlier, "Qualified") // pending: Proposed
			complete(qualified, 1)
			proposed := db.Lead(t, earlier, "Proposed") // pending: Sold; past the new milestone
			complete(proposed, 2)

			preview, err := db.PreviewNewMilestone(ctx, admin.TenantID, process[1].ID)
			if err != nil {
				t.Fatal(err)
			}
			if preview.Pending != 2 || preview.Past != 1 {
				t.Errorf("preview %+v, want 2 pending of which 1 past", preview)
			}
			created, err := db.ChangeProcess(ctx, admin.TenantID, admin.ID, func(ms []crm.MilestoneDef) (crm.ProcessChange, error) {
				return crm.DecideNewMilestone(ms, process[1].ID, crm.MilestoneSpec{Name: "Site survey", HasDeadline: true,
					DeadlineDays: 3, DeadlineFrom: crm.DeadlineFromPrevious, Probability: 30}, apply)
			})
			if err != nil {
				t.Fatal(err)
			}
			survey := crm.MilestoneID(created)
			want := map[crm.ProjectID]crm.MilestoneID{fresh: process[1].ID, qualified: survey, proposed: survey}
			if apply == crm.ApplyToNotReached {
				want[proposed] = process[3].ID
			}
			err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
				rows, err := tx.Query(ctx, `
					SELECT p.id, COALESCE(p.pending_milestone_id, 0),
					       (SELECT d.id FROM milestone_defs d
					         WHERE d.tenant_id = $1 AND d.active
					           AND NOT EXISTS (SELECT 1 FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id AND c.milestone_id = d.id)
					           AND NOT EXISTS (SELECT 1 FROM milestone_skips s WHERE s.tenant_id = $1 AND s.project_id = p.id AND s.milestone_id = d.id)
					         ORDER BY d.position, d.id LIMIT 1)
					  FROM projects p WHERE p.tenant_id = $1`, tx.Tenant)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id crm.ProjectID
					var stored, direct crm.MilestoneID
					if err := rows.Scan(&id, &stored, &direct); err != nil {
						return err
					}
					if stored != direct || stored != want[id] {
						t.Errorf("project %d: stored pending %d, from the rows %d, want %d", id, stored, direct, want[id])
					}
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			sameAfterRefresh(t, db, admin.TenantID, "milestone added")

			// The workspace reads the skip: the milestone shows, but is not pending.
			ws, err := db.Workspace(ctx, a.Viewer, proposed)
			if err != nil {
				t.Fatal(err)
			}
			if skipped := len(ws.Project.Skipped) == 1 && ws.Project.Skipped[0] == survey; skipped != (apply == crm.ApplyToNotReached) {
				t.Errorf("workspace skipped %v", ws.Project.Skipped)
			}
		})
	}
}
