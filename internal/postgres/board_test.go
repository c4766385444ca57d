package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// boardSums is a column's count, value and weighted value.
type boardSums struct{ n, value, weighted int64 }

// checkBoard compares the board's columns for viewer v at now with the
// engine's stage reached (the last completed milestone, evaluated from the
// rows) of the active projects v sees, both through the running totals (the
// default view) and through the projects (a filter the totals do not
// answer), and returns the column of each card.
func (et engineTenant) checkBoard(t *testing.T, db *pgtest.DB, v crm.User, now time.Time, label string) map[crm.ProjectID]int64 {
	t.Helper()
	ctx := context.Background()
	engine := map[int64]boardSums{}
	for _, x := range et.expect(t, db, v, now) {
		if x.view == crm.StateActive {
			s := engine[x.last]
			s.n, s.value, s.weighted = s.n+1, s.value+x.value, s.weighted+x.weighted
			engine[x.last] = s
		}
	}
	viewer := crm.Viewer{TenantID: v.TenantID, UserID: v.ID, Role: v.Role}
	cards := map[crm.ProjectID]int64{}
	for _, path := range []struct {
		name string
		f    postgres.SalesFilter
	}{
		{"from the totals", postgres.SalesFilter{View: crm.StateActive, Now: now}},
		{"from the projects", postgres.SalesFilter{View: crm.StateActive, Now: now, CreatedFrom: now.AddDate(-5, 0, 0)}},
	} {
		want := maps.Clone(engine)
		opts, cols, err := db.BoardScreen(ctx, viewer, path.f)
		if err != nil {
			t.Fatal(err)
		}
		// The none-completed column first, then every active milestone in
		// process order, empty or not.
		order := []int64{0}
		for _, m := range opts.Milestones {
			if m.Active {
				order = append(order, int64(m.ID))
			}
		}
		if len(cols) != len(order) {
			t.Fatalf("%s, %s: %d columns, want %d", label, path.name, len(cols), len(order))
		}
		for i, c := range cols {
			if c.Milestone != order[i] {
				t.Errorf("%s, %s: column %d is milestone %d, want %d", label, path.name, i, c.Milestone, order[i])
			}
			w := want[c.Milestone]
			if c.Count != w.n || c.Value != w.value || c.Weighted != w.weighted {
				t.Errorf("%s, %s: column %d holds %d projects, value %d, weighted %d; the engine %d / %d / %d",
					label, path.name, c.Milestone, c.Count, c.Value, c.Weighted, w.n, w.value, w.weighted)
			}
			delete(want, c.Milestone)
			for _, p := range c.Cards {
				cards[p.ID] = c.Milestone
				if p.LastID != c.Milestone {
					t.Errorf("%s, %s: card %d in column %d has last completed milestone %d", label, path.name, p.ID, c.Milestone, p.LastID)
				}
			}
		}
		for m, w := range want {
			t.Errorf("%s, %s: no column %d, the engine has %d projects in it", label, path.name, m, w.n)
		}
	}
	// The Sales screen narrowed to a last completed milestone is counted
	// exactly from the same totals.
	err := db.InTenant(ctx, v.TenantID, func(tx *postgres.Tx) error {
		for m, w := range engine {
			if m == 0 {
				continue
			}
			page, err := tx.ListSales(ctx, viewer, postgres.SalesFilter{View: crm.StateActive, Now: now, Last: m}, "created", true, nil, 10)
			if err != nil {
				return err
			}
			if page.MoreThan || page.AtLeast || page.Total != w.n {
				t.Errorf("%s: Sales screen with last completed milestone %d counts %d (bounded %v), the engine %d",
					label, m, page.Total, page.MoreThan || page.AtLeast, w.n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

// checkTotals compares the running totals kept by the changes with the
// totals rebuilt from the projects' rows.
func checkTotals(t *testing.T, db *pgtest.DB, tenant crm.TenantID, label string) {
	t.Helper()
	read := func(tx *postgres.Tx, q string) map[string]string {
		rows, err := tx.Query(context.Background(), q, tx.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var key, sums string
			if err := rows.Scan(&key, &sums); err != nil {
				t.Fatal(err)
			}
			out[key] = sums
		}
		return out
	}
	err := db.InTenant(context.Background(), tenant, func(tx *postgres.Tx) error {
		kept := read(tx, `SELECT concat_ws('/', state, owner_id, pending_milestone_id, last_milestone_id, active_from),
			concat_ws('/', projects, value_cents, weighted_cents) FROM project_totals WHERE tenant_id = $1 AND projects <> 0`)
		rebuilt := read(tx, `SELECT concat_ws('/', state, owner_id, COALESCE(pending_milestone_id, 0), COALESCE(last_milestone_id, 0), active_from),
			concat_ws('/', count(*), sum(value_cents), sum(weighted_cents)) FROM projects WHERE tenant_id = $1
			GROUP BY state, owner_id, pending_milestone_id, last_milestone_id, active_from`)
		if len(kept) != len(rebuilt) {
			t.Errorf("%s: %d groups of totals kept, %d rebuilt from the projects", label, len(kept), len(rebuilt))
		}
		for k, v := range rebuilt {
			if kept[k] != v {
				t.Errorf("%s: totals of %s kept %q, from the projects %q", label, k, kept[k], v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBoardColumnsAreTheStageReached: the board puts each active project in
// the column of its last completed milestone (the stage its probability
// comes from), with count, value and weighted value per column equal to the
// engine's over the rows, through the running totals and through the
// projects, for an admin and a salesperson, with configured and learned
// probabilities; among them a project whose milestone was skipped, one
// deferred and back today, and one with no milestone completed. Moves
// forward and back keep the totals as a rebuild computes them.
func TestBoardColumnsAreTheStageReached(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	et := newEngineTenant(t, db)
	et.generate(t, db, 150, rand.New(rand.NewPCG(11, 23)))
	ctx := context.Background()
	ms := map[string]int64{}
	var skipped, backToday, none crm.ProjectID
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name, id FROM milestone_defs WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var name string
			var id int64
			if err := rows.Scan(&name, &id); err != nil {
				return err
			}
			ms[name] = id
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var account int64
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM accounts WHERE tenant_id = $1`, tx.Tenant).Scan(&account); err != nil {
			return err
		}
		created := et.now.AddDate(0, 0, -10)
		today := et.now.In(et.loc).Format(time.DateOnly)
		insert := func(title, state string, deferUntil any, value int64) (crm.ProjectID, error) {
			var id crm.ProjectID
			err := tx.QueryRow(ctx, `INSERT INTO projects (tenant_id, title, account_id, owner_id, state, defer_until, value_cents, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				tx.Tenant, title, account, et.rep1.ID, state, deferUntil, value, created).Scan(&id)
			return id, err
		}
		complete := func(id crm.ProjectID, names ...string) error {
			for i, n := range names {
				if _, err := tx.Exec(ctx, `INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at) VALUES ($1, $2, $3, $4)`,
					tx.Tenant, id, ms[n], created.Add(time.Duration(i+1)*time.Hour)); err != nil {
					return err
				}
			}
			return nil
		}
		if skipped, err = insert("Skipped survey", "active", nil, 1_000_001); err != nil {
			return err
		}
		if err := complete(skipped, "Lead created", "Lead qualified", "Proposed"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO milestone_skips (tenant_id, project_id, milestone_id) VALUES ($1, $2, $3)`,
			tx.Tenant, skipped, ms["Site survey"]); err != nil {
			return err
		}
		if backToday, err = insert("Back today", "deferred", today, 300_000); err != nil {
			return err
		}
		if err := complete(backToday, "Lead created", "Lead qualified"); err != nil {
			return err
		}
		none, err = insert("Nothing completed", "active", nil, 200_000)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Refresh(ctx, et.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	for _, v := range []crm.User{et.admin, et.rep1} {
		cards := et.checkBoard(t, db, v, et.now, v.Name+", configured")
		for id, col := range map[crm.ProjectID]int64{skipped: ms["Proposed"], backToday: ms["Lead qualified"], none: 0} {
			if got, ok := cards[id]; !ok || got != col {
				t.Errorf("%s: project %d is in column %d (shown %v), want %d", v.Name, id, got, ok, col)
			}
		}
	}
	// The skipped project's weighted value: Proposed's 50 % of $10,000.01,
	// the half cent rounded up.
	err = db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		var w int64
		if err := tx.QueryRow(ctx, `SELECT weighted_cents FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, skipped).Scan(&w); err != nil {
			return err
		}
		if w != 500_001 {
			t.Errorf("weighted value of the skipped project: %d cents, want 500001", w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkTotals(t, db, et.admin.TenantID, "after the refresh")

	// A move forward and a move back keep the totals and the columns.
	admin := crm.Viewer{TenantID: et.admin.TenantID, UserID: et.admin.ID, Role: et.admin.Role}
	a := crm.Actor{Viewer: admin, Now: time.Now(), Loc: et.loc}
	move := func(id crm.ProjectID, to int64, confirm bool) error {
		_, err := db.ChangeProject(ctx, admin, id, func(p crm.Project, s crm.Setup) (crm.Change, error) {
			return crm.DecideBoardMove(p, s.Defs, crm.BoardMove{Version: p.Version, To: crm.MilestoneID(to), At: a.Now.Truncate(time.Minute),
				Note: "Moved on the board", Confirm: confirm, Reason: "Entered by mistake"}, a)
		})
		return err
	}
	var earlier *crm.EarlierOpenError
	if err := move(backToday, ms["Proposed"], false); !errors.As(err, &earlier) || len(earlier.Open) != 1 || int64(earlier.Open[0]) != ms["Site survey"] {
		t.Fatalf("move forward past the open site survey without confirmation: %v, want it asked", err)
	}
	if err := move(backToday, ms["Proposed"], true); err != nil {
		t.Fatalf("move forward past the open site survey: %v", err)
	}
	var ask *crm.UndoConfirmError
	if err := move(skipped, ms["Lead created"], false); !errors.As(err, &ask) || len(ask.Undo) != 2 {
		t.Fatalf("move back without confirmation: %v, want the two completions to undo", err)
	}
	if err := move(skipped, ms["Lead created"], true); err != nil {
		t.Fatalf("move back: %v", err)
	}
	checkTotals(t, db, et.admin.TenantID, "after the moves")
	now := time.Now()
	cards := et.checkBoard(t, db, et.admin, now, "after the moves")
	for id, col := range map[crm.ProjectID]int64{skipped: ms["Lead created"], backToday: ms["Proposed"]} {
		if cards[id] != col {
			t.Errorf("after the moves project %d is in column %d, want %d", id, cards[id], col)
		}
	}

	// Learned probabilities: the weighted sums follow them.
	err = db.UpdateSettings(ctx, et.admin.TenantID, et.admin.ID, crm.Settings{Name: "Engine Solar", Currency: "USD",
		TimeZone: "America/New_York", StagnantDays: 14, LearnedProbabilities: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []crm.User{et.admin, et.rep1} {
		et.checkBoard(t, db, v, now, fmt.Sprintf("%s, learned", v.Name))
	}
	checkTotals(t, db, et.admin.TenantID, "with learned probabilities")

	// A database migrated to 00055 holds the old totals under "none
	// completed" until the tenant's derived data of version 2 is recomputed.
	err = db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant}, `
			DELETE FROM project_totals WHERE tenant_id = $1 AND last_milestone_id <> 0;
			UPDATE tenants SET derived_version = 2 WHERE id = $1`)
	})
	if err != nil {
		t.Fatal(err)
	}
	owner, err := postgres.Open(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.RefreshStale(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	checkTotals(t, db, et.admin.TenantID, "after the upgrade's recompute")
	et.checkBoard(t, db, et.admin, now, "after the upgrade's recompute")
}
