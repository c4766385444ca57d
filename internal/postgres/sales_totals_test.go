package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// compareTotals checks that the running totals of tenant equal the same sums
// computed from its projects, group for group, and returns how many groups
// hold projects.
func compareTotals(t *testing.T, db *pgtest.DB, tenant crm.TenantID) int {
	t.Helper()
	ctx := context.Background()
	var kept, computed []string
	err := db.InTenant(ctx, tenant, func(tx *postgres.Tx) error {
		for sql, dest := range map[string]*[]string{
			`SELECT state, owner_id, pending_milestone_id, projects, value_cents::bigint, weighted_cents::bigint
			   FROM project_totals WHERE tenant_id = $1 AND (projects, value_cents, weighted_cents) <> (0, 0, 0)`: &kept,
			`SELECT p.state, p.owner_id, COALESCE(p.pending_milestone_id, 0), count(*), sum(p.value_cents)::bigint,
			        sum((p.value_cents * COALESCE(p.probability_override, d.probability, 0) + 50) / 100)::bigint
			   FROM projects p LEFT JOIN milestone_defs d ON d.tenant_id = p.tenant_id AND d.id = p.last_milestone_id
			  WHERE p.tenant_id = $1 GROUP BY 1, 2, 3`: &computed,
		} {
			rows, err := tx.Query(ctx, sql, tx.Tenant)
			if err != nil {
				return err
			}
			for rows.Next() {
				vals, err := rows.Values()
				if err != nil {
					return err
				}
				*dest = append(*dest, fmt.Sprint(vals...))
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(kept)
	slices.Sort(computed)
	if !slices.Equal(kept, computed) {
		t.Errorf("project totals differ from the projects:\n kept:     %v\n computed: %v", kept, computed)
	}
	return len(computed)
}

// TestProjectTotalsFollowChanges: the running totals the Sales screen counts
// and the board sums from stay equal to the projects through inserts,
// completions and their undo, value and probability overrides, reassignment,
// archiving, deferral, a milestone's probability, position and deactivation,
// and deletion.
func TestProjectTotalsFollowChanges(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := summaryTenant(t, db)
	other := db.User(t, admin, crm.RoleSales, "Other Rep")
	rng := rand.New(rand.NewPCG(8, 3))
	now := time.Now().Truncate(time.Microsecond)
	generateProjects(t, db, admin, 200, now, rng)
	if n := compareTotals(t, db, admin.TenantID); n < 5 {
		t.Fatalf("only %d groups: the comparison proves little", n)
	}
	steps := []string{
		`DELETE FROM milestone_completions WHERE tenant_id = $1 AND project_id % 5 = 0`,
		`UPDATE projects SET value_cents = value_cents + 12345 WHERE tenant_id = $1 AND id % 3 = 0`,
		`UPDATE projects SET probability_override = 33 WHERE tenant_id = $1 AND id % 4 = 0`,
		`UPDATE projects SET owner_id = $2 WHERE tenant_id = $1 AND id % 6 = 1`,
		`UPDATE projects SET state = 'archived', archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1), archived_at = now()
		  WHERE tenant_id = $1 AND state = 'active' AND id % 7 = 2`,
		`UPDATE projects SET state = 'deferred', defer_until = current_date + 9 WHERE tenant_id = $1 AND state = 'active' AND id % 7 = 3`,
		`UPDATE milestone_defs SET probability = 61 WHERE tenant_id = $1 AND name = 'Proposed'`,
		`UPDATE milestone_defs SET position = 1000, probability = 7 WHERE tenant_id = $1 AND name = 'Site survey'`,
		`UPDATE milestone_defs SET active = false WHERE tenant_id = $1 AND name = 'Lead qualified'`,
		`INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at, completed_by)
		 SELECT p.tenant_id, p.id, p.pending_milestone_id, now(), p.owner_id FROM projects p
		  WHERE p.tenant_id = $1 AND p.pending_milestone_id IS NOT NULL AND p.id % 2 = 0`,
		`DELETE FROM projects WHERE tenant_id = $1 AND id % 11 = 0`,
	}
	for _, sql := range steps {
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return execEach(tx, []any{tx.Tenant, other.ID}, sql+";")
		})
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		compareTotals(t, db, admin.TenantID)
	}
}

// TestCountsAndBoardSumsFromTotals: the Sales screen's count and the board's
// column sums read from the running totals equal what the viewer's rows add
// up to, for an admin, a workgroup manager and a salesperson who is a team
// member on a colleague's project, with and without the filters the totals
// answer.
func TestCountsAndBoardSumsFromTotals(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := summaryTenant(t, db)
	mgr := db.User(t, admin, crm.RoleManager, "Mia Manager")
	r1 := db.User(t, admin, crm.RoleSales, "Rae One")
	r2 := db.User(t, admin, crm.RoleSales, "Ray Two")
	rng := rand.New(rand.NewPCG(2, 9))
	now := time.Now().Truncate(time.Microsecond)
	generateProjects(t, db, admin, 120, now, rng)
	var wg, pending int64
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		for _, sql := range []string{
			`UPDATE projects SET owner_id = $2 WHERE tenant_id = $1 AND id % 3 = 1 AND $3::bigint > 0`,
			`UPDATE projects SET owner_id = $3 WHERE tenant_id = $1 AND id % 3 = 2 AND $2::bigint > 0`,
			`UPDATE projects SET probability_override = 70 WHERE tenant_id = $1 AND id % 5 = 0 AND $2::bigint + $3::bigint > 0`,
			`INSERT INTO project_members (tenant_id, project_id, user_id)
			 SELECT $1, id, $2 FROM projects WHERE tenant_id = $1 AND owner_id = $3 AND id % 4 = 0`,
			`INSERT INTO workgroups (tenant_id, name) SELECT $1, 'North' WHERE $2::bigint + $3::bigint > 0`,
		} {
			if _, err := tx.Exec(ctx, sql, tx.Tenant, r1.ID, r2.ID); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM workgroups WHERE tenant_id = $1`, tx.Tenant).Scan(&wg); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT pending_milestone_id FROM projects WHERE tenant_id = $1 AND state = 'active'
			AND pending_milestone_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, tx.Tenant).Scan(&pending); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager)
			VALUES ($1, $2, $3, true), ($1, $2, $4, false)`, tx.Tenant, wg, mgr.ID, r1.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ms []postgres.SalesMilestone
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) (err error) { ms, err = tx.SalesMilestones(ctx); return })
	probability := map[int64]int64{}
	for _, m := range ms {
		probability[m.ID] = int64(m.Probability)
	}
	viewers := map[string]crm.User{"admin": admin, "manager": mgr, "member rep": r1}
	filters := map[string]postgres.SalesFilter{
		"active": {View: crm.StateActive}, "deferred": {View: crm.StateDeferred}, "archived": {View: crm.StateArchived},
		"owner": {View: crm.StateActive, Owner: r2.ID}, "workgroup": {View: crm.StateActive, Workgroup: wg},
		"pending": {View: crm.StateActive, Pending: pending},
	}
	checked := 0
	for vn, u := range viewers {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		for fn, f := range filters {
			f.Now, f.Today = now, now.Truncate(24*time.Hour)
			err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
				page, err := tx.ListSales(ctx, v, f, "created", true, nil, 500)
				if err != nil {
					return err
				}
				if page.Estimated || page.Total != int64(len(page.Rows)) {
					t.Errorf("%s, %s: total %d (estimated %v), %d rows", vn, fn, page.Total, page.Estimated, len(page.Rows))
				}
				checked += len(page.Rows)
				if f.View != crm.StateActive {
					return nil
				}
				cols, err := tx.Board(ctx, v, f, ms)
				if err != nil {
					return err
				}
				// The rows' own sums per pending milestone.
				want := map[int64][3]int64{}
				var overrides map[int64]int64
				if overrides, err = probabilityOverrides(ctx, tx); err != nil {
					return err
				}
				for _, r := range page.Rows {
					p := probability[r.LastID]
					if o, ok := overrides[int64(r.ID)]; ok {
						p = o
					}
					s := want[r.PendingID]
					want[r.PendingID] = [3]int64{s[0] + 1, s[1] + r.Value, s[2] + (r.Value*p+50)/100}
				}
				for _, c := range cols {
					if got := [3]int64{c.Count, c.Value, c.Weighted}; got != want[c.Milestone] {
						t.Errorf("%s, %s: board column %d sums %v, rows say %v", vn, fn, c.Milestone, got, want[c.Milestone])
					}
					delete(want, c.Milestone)
				}
				if len(want) > 0 {
					t.Errorf("%s, %s: rows in no column: %v", vn, fn, want)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s, %s: %v", vn, fn, err)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d rows checked", checked)
	}

	// The rep load panel: open and late per owner as the projects say; an
	// idle salesperson listed with nothing; a manager sees the owners of the
	// workgroup they manage only.
	idle := db.User(t, admin, crm.RoleSales, "Ida Idle")
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	want := map[int64][2]int64{}
	err = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT owner_id, count(*) FILTER (WHERE state = 'active'),
			count(*) FILTER (WHERE late_from <= $2 AND (state = 'active' OR (state = 'deferred' AND defer_until <= $3::date)))
			FROM projects WHERE tenant_id = $1 AND state IN ('active', 'deferred') GROUP BY 1`, tx.Tenant, now, today.Format(time.DateOnly))
		if err != nil {
			return err
		}
		var id, o, l int64
		_, err = pgx.ForEachRow(rows, []any{&id, &o, &l}, func() error { want[id] = [2]int64{o, l}; return nil })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := postgres.SalesFilter{Now: now, Today: today}
	for _, u := range []crm.User{admin, mgr} {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		var loads []postgres.RepLoad
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) (err error) { loads, err = tx.RepLoads(ctx, v, f); return })
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64][2]int64{}
		for _, l := range loads {
			got[l.Owner.ID] = [2]int64{l.Open, l.Late}
		}
		if _, ok := got[int64(idle.ID)]; ok != (u.Role == crm.RoleAdmin) { // not in the manager's workgroup
			t.Errorf("%s: the idle salesperson listed %v: %v", u.Name, ok, got)
		}
		owners := []crm.UserID{admin.ID, r1.ID, r2.ID}
		if u.Role == crm.RoleManager {
			owners = []crm.UserID{r1.ID}
			if _, ok := got[int64(r2.ID)]; ok {
				t.Errorf("manager sees the load of a rep outside their workgroup")
			}
		}
		for _, o := range owners {
			if got[int64(o)] != want[int64(o)] {
				t.Errorf("%s: load of %d is %v, projects say %v", u.Name, o, got[int64(o)], want[int64(o)])
			}
		}
	}
}

func probabilityOverrides(ctx context.Context, tx *postgres.Tx) (map[int64]int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, probability_override FROM projects WHERE tenant_id = $1 AND probability_override IS NOT NULL`, tx.Tenant)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for rows.Next() {
		var id, p int64
		if err := rows.Scan(&id, &p); err != nil {
			return nil, err
		}
		out[id] = p
	}
	return out, rows.Err()
}

// TestCountPastTheCap: a view the totals answer is counted exactly however
// many projects match; a view filtered on anything else counts up to
// SalesCountCap and then shows the planner's estimate, marked as one.
func TestCountPastTheCap(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	admin := db.Tenant(t, "Many Leads")
	n := postgres.SalesCountCap + 250
	err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		var account int64
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Acme') RETURNING id`, tx.Tenant).Scan(&account); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO projects (tenant_id, title, account_id, owner_id, value_cents, status_id)
			SELECT $1, 'Lead ' || g, $4, $2, g * 100, (SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1)
			  FROM generate_series(1, $3::int) g`, tx.Tenant, admin.ID, n, account)
		if err == nil {
			_, err = tx.Exec(ctx, `ANALYZE projects`)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	v := crm.Viewer{TenantID: admin.TenantID, UserID: admin.ID, Role: admin.Role}
	now := time.Now()
	var status int64
	_ = db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant).Scan(&status)
	})
	for _, c := range []struct {
		name      string
		f         postgres.SalesFilter
		estimated bool
	}{
		{"active, from the totals", postgres.SalesFilter{View: crm.StateActive}, false},
		{"owner, from the totals", postgres.SalesFilter{View: crm.StateActive, Owner: admin.ID}, false},
		{"status, counted to the cap", postgres.SalesFilter{View: crm.StateActive, Status: status}, true},
	} {
		c.f.Now, c.f.Today = now, now.Truncate(24*time.Hour)
		err := db.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			page, err := tx.ListSales(ctx, v, c.f, "created", true, nil, 50)
			if err != nil {
				return err
			}
			switch {
			case page.Estimated != c.estimated:
				t.Errorf("%s: estimated %v, want %v", c.name, page.Estimated, c.estimated)
			case !c.estimated && page.Total != int64(n):
				t.Errorf("%s: total %d, want exactly %d", c.name, page.Total, n)
			case c.estimated && (page.Total <= postgres.SalesCountCap || page.Total > int64(3*n)):
				t.Errorf("%s: estimate %d for %d matches", c.name, page.Total, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
}
