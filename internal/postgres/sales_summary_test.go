package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// summaryTenant makes a tenant in a zone with daylight saving, with a
// milestone counted from creation and an inactive one, so the summary's
// definitions meet the engine's edge cases.
func summaryTenant(t *testing.T, db *pgtest.DB) crm.User {
	t.Helper()
	admin := db.Tenant(t, "Summary Solar")
	err := db.InTenant(context.Background(), admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{admin.TenantID}, `
			UPDATE tenants SET time_zone = 'America/New_York' WHERE id = $1;
			UPDATE milestone_defs SET position = position * 10 WHERE tenant_id = $1;
			INSERT INTO milestone_defs (tenant_id, name, position, deadline_days, deadline_from, probability)
			     VALUES ($1, 'Site survey', 25, 5, 'created', 40), ($1, 'Old step', 35, 1, 'previous', 10);
			UPDATE milestone_defs SET active = false WHERE tenant_id = $1 AND name = 'Old step';
			INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Acme household');`)
	})
	if err != nil {
		t.Fatal(err)
	}
	return admin
}

// generateProjects writes n projects with random completions (some skipped,
// some of the inactive milestone), subtasks and events around now, in every
// state, some resumed from deferred.
func generateProjects(t *testing.T, db *pgtest.DB, admin crm.User, n int, now time.Time, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		ms, err := tx.SalesMilestones(ctx)
		if err != nil {
			return err
		}
		day := 24 * time.Hour
		for i := range n {
			created := now.Add(-time.Duration(rng.IntN(40*24*60)) * time.Minute)
			state := []string{"active", "active", "active", "deferred", "archived"}[rng.IntN(5)]
			var deferUntil, resumed, reason any
			if state == "deferred" {
				deferUntil = now.Add(time.Duration(rng.IntN(11)-5) * day).Format(time.DateOnly)
			}
			if state == "active" && rng.IntN(4) == 0 {
				resumed = now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour)
			}
			if state == "archived" {
				reason = 1
				if err := tx.QueryRow(ctx, `SELECT id FROM archive_reasons WHERE tenant_id = $1 LIMIT 1`, tx.Tenant).Scan(&reason); err != nil {
					return err
				}
			}
			var id int64
			err := tx.QueryRow(ctx, `
				INSERT INTO projects (tenant_id, title, account_id, owner_id, state, defer_until, resumed_at, archive_reason_id, created_at)
				VALUES ($1, $2, (SELECT min(id) FROM accounts WHERE tenant_id = $1), $3, $4, $5, $6, $7, $8) RETURNING id`,
				tx.Tenant, fmt.Sprintf("Project %d", i), admin.ID, state, deferUntil, resumed, reason, created).Scan(&id)
			if err != nil {
				return err
			}
			at := created
			for _, m := range ms {
				at = at.Add(time.Duration(rng.IntN(6*24*60)) * time.Minute)
				if at.After(now) || rng.IntN(5) == 0 {
					if rng.IntN(2) == 0 {
						break
					}
					continue // skipped
				}
				if _, err := tx.Exec(ctx, `INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at)
					VALUES ($1, $2, $3, $4)`, tx.Tenant, id, m.ID, at); err != nil {
					return err
				}
			}
			for range rng.IntN(3) {
				due := now.Add(time.Duration(rng.IntN(7*24)-4*24) * time.Hour).Format(time.DateOnly)
				if _, err := tx.Exec(ctx, `INSERT INTO subtasks (tenant_id, project_id, title, due_date, done)
					VALUES ($1, $2, 'Call back', $3, $4)`, tx.Tenant, id, due, rng.IntN(3) == 0); err != nil {
					return err
				}
			}
			for range rng.IntN(3) {
				start := now.Add(time.Duration(rng.IntN(6*24*60)-3*24*60) * time.Minute)
				if _, err := tx.Exec(ctx, `INSERT INTO scheduled_events (tenant_id, project_id, title, starts_at, done)
					VALUES ($1, $2, 'Site visit', $3, $4)`, tx.Tenant, id, start, rng.IntN(3) == 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compareWithEngine checks, for every project of the tenant, that the
// summary columns and the SQL late flag say what the engine says at now.
func compareWithEngine(t *testing.T, db *pgtest.DB, tenant crm.TenantID, now time.Time) int {
	t.Helper()
	ctx := context.Background()
	checked, lates := 0, 0
	err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
		tr, err := tx.TenantRow(ctx)
		if err != nil {
			return err
		}
		loc := tr.Location()
		ms, err := tx.SalesMilestones(ctx)
		if err != nil {
			return err
		}
		e, err := pipeline.NewEngine(postgres.PipelineDefs(ms), pipeline.Settings{Location: loc, Now: now})
		if err != nil {
			return err
		}
		engineID := func(i int) int64 {
			if i < 0 {
				return 0
			}
			return e.Milestones()[i].ID
		}
		today := now.In(loc)
		f := postgres.SalesFilter{Now: now, Today: time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)}
		lateSQL := postgres.LateExprForTest(f)
		rows, err := tx.Query(ctx, `
			SELECT p.id, p.state, p.created_at, p.defer_until, p.resumed_at,
			       COALESCE(p.pending_milestone_id, 0), NULLIF(p.pending_due_at, 'infinity'), COALESCE(p.last_milestone_id, 0),
			       `+lateSQL+`,
			       COALESCE((SELECT array_agg(milestone_id ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = p.tenant_id AND c.project_id = p.id), '{}'),
			       COALESCE((SELECT array_agg(completed_at ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = p.tenant_id AND c.project_id = p.id), '{}'),
			       COALESCE((SELECT array_agg(due_date) FROM subtasks s WHERE s.tenant_id = p.tenant_id AND s.project_id = p.id AND NOT s.done AND s.due_date IS NOT NULL), '{}'),
			       COALESCE((SELECT array_agg(starts_at) FROM scheduled_events v WHERE v.tenant_id = p.tenant_id AND v.project_id = p.id AND NOT v.done), '{}')
			  FROM projects p WHERE p.tenant_id = $1`, append([]any{tx.Tenant}, postgres.LateArgsForTest(f)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, pending, last   int64
				state               string
				created             time.Time
				deferUntil, resumed *time.Time
				due                 *time.Time
				late                bool
				msIDs               []int64
				msAt, subDue, evAt  []time.Time
			)
			if err := rows.Scan(&id, &state, &created, &deferUntil, &resumed, &pending, &due, &last, &late, &msIDs, &msAt, &subDue, &evAt); err != nil {
				return err
			}
			p := pipeline.Project{ID: id, CreatedAt: created}
			p.State = map[string]pipeline.State{"active": pipeline.StateActive, "deferred": pipeline.StateDeferred,
				"archived": pipeline.StateArchived, "sold": pipeline.StateSold}[state]
			if deferUntil != nil {
				p.DeferUntil = pipeline.DayStart(deferUntil.Year(), deferUntil.Month(), deferUntil.Day(), loc)
			}
			if resumed != nil {
				p.ResumedAt = *resumed
			}
			for i := range msIDs {
				p.Completions = append(p.Completions, pipeline.Completion{MilestoneID: msIDs[i], At: msAt[i]})
			}
			for _, d := range subDue {
				p.Items = append(p.Items, pipeline.DueItem{Kind: pipeline.Subtask, Due: d, AllDay: true})
			}
			for _, s := range evAt {
				p.Items = append(p.Items, pipeline.DueItem{Kind: pipeline.Event, Due: s})
			}
			facts := e.Facts(&p)
			if late != facts.Late {
				t.Errorf("project %d (%s): SQL late %v, engine late %v (%+v)", id, state, late, facts.Late, p)
			}
			if pending != engineID(facts.Pending) || last != engineID(facts.LastDone) {
				t.Errorf("project %d: pending/last %d/%d, engine %d/%d", id, pending, last, engineID(facts.Pending), engineID(facts.LastDone))
			}
			// The due date shown for a deferred project not yet back is the one it will have when back.
			if facts.State == pipeline.StateActive && state != "sold" {
				if (due != nil) != facts.HasDue || (due != nil && !due.Equal(facts.PendingDue)) {
					t.Errorf("project %d: due %v, engine %v (has %v)", id, due, facts.PendingDue, facts.HasDue)
				}
			}
			checked++
			if late {
				lates++
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d projects, %d late", checked, lates)
	return checked
}

// TestSalesSummaryAgreesWithEngine: on generated data, and after changes to
// completions, subtasks, events, states and definitions, the summary columns
// and the SQL late flag equal the engine's per-project answers.
func TestSalesSummaryAgreesWithEngine(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := summaryTenant(t, db)
	rng := rand.New(rand.NewPCG(5, 11))
	now := time.Now().Truncate(time.Microsecond)
	generateProjects(t, db, admin, 300, now, rng)
	if n := compareWithEngine(t, db, admin.TenantID, now); n != 300 {
		t.Fatalf("checked %d projects, want 300", n)
	}
	// Later moments: the same summary, judged at other times.
	for _, later := range []time.Duration{3 * time.Hour, 26 * time.Hour, 5 * 24 * time.Hour} {
		compareWithEngine(t, db, admin.TenantID, now.Add(later))
	}

	// Changes through the normal tables keep the summary in step.
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant}, `
			DELETE FROM milestone_completions WHERE tenant_id = $1 AND project_id % 7 = 0;
			UPDATE subtasks SET done = true WHERE tenant_id = $1 AND id % 3 = 0;
			UPDATE scheduled_events SET starts_at = starts_at + interval '2 days' WHERE tenant_id = $1 AND id % 2 = 0;
			UPDATE projects SET state = 'active', defer_until = NULL WHERE tenant_id = $1 AND state = 'deferred' AND id % 2 = 0;
			UPDATE milestone_defs SET deadline_days = 9 WHERE tenant_id = $1 AND name = 'Proposed';
			UPDATE milestone_defs SET active = true WHERE tenant_id = $1 AND name = 'Old step';`)
	})
	if err != nil {
		t.Fatal(err)
	}
	compareWithEngine(t, db, admin.TenantID, now)
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tenants SET time_zone = 'Asia/Shanghai' WHERE id = $1`, tx.Tenant)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	compareWithEngine(t, db, admin.TenantID, now)
}

// TestSalesSummaryNames: renaming an account, a contact, a user or a status
// updates the names the screen shows and searches.
func TestSalesSummaryNames(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := summaryTenant(t, db)
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		err := execEach(tx, []any{tx.Tenant, admin.ID}, `
			INSERT INTO contacts (tenant_id, account_id, name, email) VALUES ($1, (SELECT min(id) FROM accounts WHERE tenant_id = $1), 'Jo Doe', 'jo@x.example');
			INSERT INTO projects (tenant_id, title, account_id, contact_id, owner_id, status_id)
			VALUES ($1, 'Roof PV', (SELECT min(id) FROM accounts WHERE tenant_id = $1), (SELECT min(id) FROM contacts WHERE tenant_id = $1), $2,
			        (SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1));
			UPDATE accounts SET name = 'Zenith Farm' WHERE tenant_id = $1;
			UPDATE contacts SET name = 'Quinn Vale' WHERE tenant_id = $1;
			UPDATE users SET name = 'Ada Owner' WHERE tenant_id = $1 AND id = $2;
			UPDATE milestone_statuses SET name = 'Waiting on bank' WHERE tenant_id = $1 AND id = (SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1);`)
		if err != nil {
			return err
		}
		var customer, owner, status, search string
		if err := tx.QueryRow(ctx, `SELECT customer_name, owner_name, status_name, search_text FROM projects WHERE tenant_id = $1`, tx.Tenant).
			Scan(&customer, &owner, &status, &search); err != nil {
			return err
		}
		if customer != "Zenith Farm" || owner != "Ada Owner" || status != "Waiting on bank" || search != "roof pv zenith farm quinn vale jo@x.example" {
			t.Errorf("summary names: %q %q %q %q", customer, owner, status, search)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// execEach runs each ";"-terminated statement of sql with the arguments it
// uses ($1, $2 in order).
func execEach(tx *postgres.Tx, args []any, sql string) error {
	for _, stmt := range strings.Split(sql, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		n := 0
		for i := range args {
			if strings.Contains(stmt, fmt.Sprintf("$%d", i+1)) {
				n = i + 1
			}
		}
		if _, err := tx.Exec(context.Background(), stmt, args[:n]...); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
