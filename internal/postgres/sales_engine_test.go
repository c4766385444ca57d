package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
)

// engineTenant is a tenant whose data meets every edge case of the engine's
// definitions: a zone with daylight saving, a milestone counted from
// creation, an inactive milestone with completions, probability overrides,
// deferred projects back and not yet back, resumed projects, skipped and
// out-of-order completions, completions just before and after local
// midnight, open and done subtasks and events around now, team members and
// workgroups.
type engineTenant struct {
	admin, manager, rep1, rep2, rep3 crm.User
	loc                              *time.Location
	now                              time.Time // the moment the data is generated around
}

func newEngineTenant(t *testing.T, db *pgtest.DB) engineTenant {
	t.Helper()
	ctx := context.Background()
	et := engineTenant{admin: db.Tenant(t, "Engine Solar")}
	et.manager = db.User(t, et.admin, crm.RoleManager, "Mona Manager")
	et.rep1 = db.User(t, et.admin, crm.RoleSales, "Rita Rep")
	et.rep2 = db.User(t, et.admin, crm.RoleSales, "Sam Rep")
	et.rep3 = db.User(t, et.admin, crm.RoleSales, "Tess Rep")
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	et.loc = loc
	// Around the end of daylight saving time (1 November 2026, 02:00 local).
	et.now = time.Date(2026, 11, 2, 12, 0, 0, 0, loc)
	err = db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		return execEach(tx, []any{tx.Tenant, et.manager.ID, et.rep1.ID, et.rep2.ID}, `
			UPDATE tenants SET time_zone = 'America/New_York' WHERE id = $1;
			UPDATE milestone_defs SET position = position * 10 WHERE tenant_id = $1;
			INSERT INTO milestone_defs (tenant_id, name, position, deadline_days, deadline_from, probability)
			     VALUES ($1, 'Site survey', 25, 5, 'created', 40), ($1, 'Old step', 35, 1, 'previous', 10);
			UPDATE milestone_defs SET active = false WHERE tenant_id = $1 AND name = 'Old step';
			INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'East');
			INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager)
			     SELECT w.tenant_id, w.id, u.id, u.id = $2 FROM workgroups w, users u
			      WHERE w.tenant_id = $1 AND u.tenant_id = $1 AND u.id IN ($2, $3, $4);
			INSERT INTO accounts (tenant_id, name) VALUES ($1, 'Acme household');`)
	})
	if err != nil {
		t.Fatal(err)
	}
	return et
}

// generate writes n projects around et.now with every edge case, as rows.
func (et engineTenant) generate(t *testing.T, db *pgtest.DB, n int, rng *rand.Rand) {
	t.Helper()
	ctx := context.Background()
	owners := []crm.UserID{et.rep1.ID, et.rep1.ID, et.rep2.ID, et.rep3.ID, et.manager.ID}
	day := 24 * time.Hour
	localDay := func(offset int, hour, minute int) time.Time {
		d := et.now.In(et.loc)
		return time.Date(d.Year(), d.Month(), d.Day()+offset, hour, minute, 0, 0, et.loc)
	}
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, active FROM milestone_defs WHERE tenant_id = $1 ORDER BY position, id`, tx.Tenant)
		if err != nil {
			return err
		}
		type def struct {
			id     int64
			active bool
		}
		var defs []def
		for rows.Next() {
			var d def
			if err := rows.Scan(&d.id, &d.active); err != nil {
				return err
			}
			defs = append(defs, d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		var reason, status int64
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM archive_reasons WHERE tenant_id = $1`, tx.Tenant).Scan(&reason); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1`, tx.Tenant).Scan(&status); err != nil {
			return err
		}
		var account int64
		if err := tx.QueryRow(ctx, `SELECT min(id) FROM accounts WHERE tenant_id = $1`, tx.Tenant).Scan(&account); err != nil {
			return err
		}
		for i := range n {
			// Creation: anywhere in the last 40 days, often just before or
			// after a local midnight.
			created := et.now.Add(-time.Duration(rng.IntN(40*24*60)) * time.Minute)
			if rng.IntN(3) == 0 {
				created = localDay(-rng.IntN(30), 23, 59)
				if rng.IntN(2) == 0 {
					created = created.Add(2 * time.Minute) // 00:01 the next day
				}
			}
			if created.After(et.now) {
				created = et.now.Add(-time.Hour)
			}
			owner := owners[rng.IntN(len(owners))]
			state := []string{"active", "active", "active", "deferred", "deferred", "archived", "sold"}[rng.IntN(7)]
			var deferUntil, resumed, archivedReason, archivedAt, soldAt, override, statusID any
			if rng.IntN(3) == 0 {
				statusID = status
			}
			switch state {
			case "deferred":
				// Yesterday, today, tomorrow or further either way.
				deferUntil = localDay([]int{-3, -1, 0, 0, 1, 1, 4}[rng.IntN(7)], 0, 0).Format(time.DateOnly)
			case "archived":
				archivedReason, archivedAt = reason, et.now.Add(-time.Duration(rng.IntN(5*24))*time.Hour)
			case "sold":
				soldAt = et.now.Add(-time.Duration(rng.IntN(5*24)) * time.Hour)
			}
			if rng.IntN(4) == 0 {
				resumed = created.Add(time.Duration(rng.IntN(int(et.now.Sub(created)/time.Minute)+1)) * time.Minute)
			}
			if rng.IntN(6) == 0 {
				override = rng.IntN(101)
			}
			var id int64
			err := tx.QueryRow(ctx, `
				INSERT INTO projects (tenant_id, title, account_id, owner_id, state, defer_until, resumed_at, archive_reason_id,
				                      archived_at, sold_at, probability_override, value_cents, created_at, status_id)
				VALUES ($1, $2, $14, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				RETURNING id`,
				tx.Tenant, fmt.Sprintf("Project %d", i), owner, state, deferUntil, resumed, archivedReason, archivedAt, soldAt,
				override, int64(rng.IntN(5_000_000)+[]int{0, 1, 50}[rng.IntN(3)]), created, statusID, account).Scan(&id)
			if err != nil {
				return err
			}
			if rng.IntN(5) == 0 {
				member := owners[rng.IntN(len(owners))]
				if member != owner {
					if _, err := tx.Exec(ctx, `INSERT INTO project_members (tenant_id, project_id, user_id) VALUES ($1, $2, $3)`,
						tx.Tenant, id, member); err != nil {
						return err
					}
				}
			}
			// Completions: in order mostly, some skipped, some out of order,
			// some of the inactive milestone, some at 23:59 or 00:01 local.
			at := created
			for k, d := range defs {
				if k > 0 && rng.IntN(3) == 0 {
					break
				}
				if k > 0 && rng.IntN(5) == 0 && d.active {
					continue // skipped
				}
				if k > 0 {
					at = at.Add(time.Duration(rng.IntN(4*24*60)) * time.Minute)
				}
				when := at
				switch rng.IntN(6) {
				case 0:
					l := at.In(et.loc)
					when = time.Date(l.Year(), l.Month(), l.Day(), 23, 59, 0, 0, et.loc)
				case 1:
					l := at.In(et.loc)
					when = time.Date(l.Year(), l.Month(), l.Day(), 0, 1, 0, 0, et.loc)
				case 2:
					when = at.Add(-time.Duration(rng.IntN(3*24)) * time.Hour) // possibly before the previous one
				}
				if when.After(et.now) {
					break
				}
				if _, err := tx.Exec(ctx, `INSERT INTO milestone_completions (tenant_id, project_id, milestone_id, completed_at)
					VALUES ($1, $2, $3, $4)`, tx.Tenant, id, d.id, when); err != nil {
					return err
				}
			}
			for range rng.IntN(3) {
				due := localDay(rng.IntN(7)-4, 0, 0).Format(time.DateOnly)
				if _, err := tx.Exec(ctx, `INSERT INTO subtasks (tenant_id, project_id, title, due_date, done)
					VALUES ($1, $2, 'Call back', $3, $4)`, tx.Tenant, id, due, rng.IntN(3) == 0); err != nil {
					return err
				}
			}
			for range rng.IntN(3) {
				start := et.now.Add(time.Duration(rng.IntN(6*24*60)-3*24*60) * time.Minute)
				if _, err := tx.Exec(ctx, `INSERT INTO scheduled_events (tenant_id, project_id, title, starts_at, done)
					VALUES ($1, $2, 'Site visit', $3, $4)`, tx.Tenant, id, start, rng.IntN(3) == 0); err != nil {
					return err
				}
			}
		}
		_ = day
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The rows were written by hand: their derived data comes from the
	// repair (TestDerivedFollowsChanges shows every change of the
	// application keeps it exactly as the repair computes it).
	if err := db.Refresh(ctx, et.admin.TenantID); err != nil {
		t.Fatal(err)
	}
}

// rawProject is a project as the test reads it from its rows, to evaluate
// with the engine independently of the summary the application keeps.
type rawProject struct {
	p       pipeline.Project
	state   string
	members []int64
}

// readRaw reads every project of the tenant with its completions, open
// subtasks and events and team, straight from the rows.
func readRaw(t *testing.T, tx *postgres.Tx, loc *time.Location) []rawProject {
	t.Helper()
	ctx := context.Background()
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.owner_id, p.state, p.created_at, p.defer_until, p.resumed_at, p.value_cents, p.probability_override,
		       COALESCE((SELECT array_agg(milestone_id ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id), '{}'),
		       COALESCE((SELECT array_agg(completed_at ORDER BY milestone_id) FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = p.id), '{}'),
		       COALESCE((SELECT array_agg(due_date) FROM subtasks s WHERE s.tenant_id = $1 AND s.project_id = p.id AND NOT s.done AND s.due_date IS NOT NULL), '{}'),
		       COALESCE((SELECT array_agg(starts_at) FROM scheduled_events v WHERE v.tenant_id = $1 AND v.project_id = p.id AND NOT v.done), '{}'),
		       COALESCE((SELECT array_agg(user_id) FROM project_members m WHERE m.tenant_id = $1 AND m.project_id = p.id), '{}')
		  FROM projects p WHERE p.tenant_id = $1 ORDER BY p.id`, tx.Tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rawProject
	for rows.Next() {
		var (
			r                   rawProject
			deferUntil, resumed *time.Time
			override            *int
			msIDs               []int64
			msAt, subDue, evAt  []time.Time
		)
		if err := rows.Scan(&r.p.ID, &r.p.OwnerID, &r.state, &r.p.CreatedAt, &deferUntil, &resumed, &r.p.Value, &override,
			&msIDs, &msAt, &subDue, &evAt, &r.members); err != nil {
			t.Fatal(err)
		}
		r.p.State = map[string]pipeline.State{"active": pipeline.StateActive, "deferred": pipeline.StateDeferred,
			"archived": pipeline.StateArchived, "sold": pipeline.StateSold}[r.state]
		if deferUntil != nil {
			r.p.DeferUntil = pipeline.DayStart(deferUntil.Year(), deferUntil.Month(), deferUntil.Day(), loc)
		}
		if resumed != nil {
			r.p.ResumedAt = *resumed
		}
		if override != nil {
			r.p.HasOverride, r.p.ProbabilityOverride = true, *override
		}
		for i := range msIDs {
			r.p.Completions = append(r.p.Completions, pipeline.Completion{MilestoneID: msIDs[i], At: msAt[i]})
		}
		for _, d := range subDue {
			r.p.Items = append(r.p.Items, pipeline.DueItem{Kind: pipeline.Subtask, Due: d, AllDay: true})
		}
		for _, s := range evAt {
			r.p.Items = append(r.p.Items, pipeline.DueItem{Kind: pipeline.Event, Due: s})
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rawDefs reads the tenant's milestone definitions and whether it uses learned probabilities.
func rawDefs(t *testing.T, tx *postgres.Tx) ([]pipeline.MilestoneDef, bool) {
	t.Helper()
	ctx := context.Background()
	rows, err := tx.Query(ctx, `SELECT id, position, COALESCE(deadline_days, 0), deadline_from = 'created', probability, qualifying, won, active
		FROM milestone_defs WHERE tenant_id = $1`, tx.Tenant)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var defs []pipeline.MilestoneDef
	for rows.Next() {
		var d pipeline.MilestoneDef
		var fromCreation bool
		if err := rows.Scan(&d.ID, &d.Position, &d.DeadlineDays, &fromCreation, &d.Probability, &d.Qualifying, &d.Won, &d.Active); err != nil {
			t.Fatal(err)
		}
		if fromCreation {
			d.DeadlineFrom = pipeline.FromCreation
		}
		defs = append(defs, d)
	}
	var learned bool
	if err := tx.QueryRow(ctx, `SELECT learned_probabilities FROM tenants WHERE id = $1`, tx.Tenant).Scan(&learned); err != nil {
		t.Fatal(err)
	}
	return defs, learned
}

// canSee is PRODUCT.md's visibility rule, written out for the test.
func (et engineTenant) canSee(v crm.User, r rawProject) bool {
	own := r.p.OwnerID == int64(v.ID) || slices.Contains(r.members, int64(v.ID))
	switch v.Role {
	case crm.RoleAdmin:
		return true
	case crm.RoleManager:
		// The manager manages East: Rita and Sam (and the manager) are in it.
		return own || r.p.OwnerID == int64(et.rep1.ID) || r.p.OwnerID == int64(et.rep2.ID) || r.p.OwnerID == int64(et.manager.ID)
	}
	return own
}

// expectedRow is what the engine says a project shows on the Sales screen.
type expectedRow struct {
	view               crm.State
	pending, last      int64
	hasDue             bool
	due                time.Time
	late, lateMs       bool
	value, weighted    int64
	owner              int64
	lastAt             time.Time
	activeNow, counted bool
}

// expect evaluates every project the viewer can see at now.
func (et engineTenant) expect(t *testing.T, db *pgtest.DB, v crm.User, now time.Time) map[int64]expectedRow {
	t.Helper()
	out := map[int64]expectedRow{}
	err := db.InTenant(context.Background(), et.admin.TenantID, func(tx *postgres.Tx) error {
		defs, useLearned := rawDefs(t, tx)
		raw := readRaw(t, tx, et.loc)
		s := pipeline.Settings{Location: et.loc, Now: now}
		if useLearned {
			e0, err := pipeline.NewEngine(defs, s)
			if err != nil {
				return err
			}
			l := pipeline.NewLearner(e0, 0)
			b := pipeline.NewBatch(e0, l)
			for i := range raw {
				b.Add(&raw[i].p)
			}
			s.UseLearned, s.Learned = true, l.Result().Probabilities()
		}
		e, err := pipeline.NewEngine(defs, s)
		if err != nil {
			return err
		}
		for i := range raw {
			r := &raw[i]
			if !et.canSee(v, *r) {
				continue
			}
			f := e.Facts(&r.p)
			x := expectedRow{pending: e.MilestoneID(f.Pending), last: e.MilestoneID(f.LastDone), hasDue: f.HasDue, due: f.PendingDue,
				late: f.Late, lateMs: f.LateMilestone, value: f.Value, weighted: f.Weighted, owner: r.p.OwnerID}
			if at, ok := f.CompletedAt(f.LastDone); ok {
				x.lastAt = at
			}
			switch f.State {
			case pipeline.StateActive:
				x.view = crm.StateActive
			case pipeline.StateDeferred:
				x.view = crm.StateDeferred
			case pipeline.StateArchived:
				x.view = crm.StateArchived
			case pipeline.StateSold:
				x.view = crm.StateSold
			}
			out[r.p.ID] = x
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkScreen compares every figure of the Sales screen, the board and the
// rep load for viewer v at now with the engine's.
func (et engineTenant) checkScreen(t *testing.T, db *pgtest.DB, v crm.User, now time.Time) {
	t.Helper()
	ctx := context.Background()
	want := et.expect(t, db, v, now)
	viewer := crm.Viewer{TenantID: v.TenantID, UserID: v.ID, Role: v.Role}
	local := now.In(et.loc)
	base := postgres.SalesFilter{Now: now}
	label := fmt.Sprintf("%s at %s", v.Name, local.Format("2006-01-02 15:04 MST"))
	err := db.InTenant(ctx, et.admin.TenantID, func(tx *postgres.Tx) error {
		for _, view := range []crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived} {
			for _, lateOnly := range []bool{false, true} {
				if lateOnly && view != crm.StateActive {
					continue
				}
				f := base
				f.View, f.LateOnly = view, lateOnly
				var wantIDs []int64
				for id, x := range want {
					if x.view == view && (!lateOnly || x.late) {
						wantIDs = append(wantIDs, id)
					}
				}
				sort.Slice(wantIDs, func(i, j int) bool { return wantIDs[i] < wantIDs[j] })
				page, err := tx.ListSales(ctx, viewer, f, "created", true, nil, 5000)
				if err != nil {
					return err
				}
				var got []int64
				for _, r := range page.Rows {
					got = append(got, int64(r.ID))
					x, ok := want[int64(r.ID)]
					if !ok {
						continue
					}
					if r.PendingID != x.pending || r.LastID != x.last || r.Late != x.late || r.MilestoneLate != x.lateMs || r.Value != x.value {
						t.Errorf("%s, %s view: project %d shows pending %d last %d late %v/%v value %d; engine pending %d last %d late %v/%v value %d",
							label, view, r.ID, r.PendingID, r.LastID, r.Late, r.MilestoneLate, r.Value, x.pending, x.last, x.late, x.lateMs, x.value)
					}
					if !r.LastAt.Equal(x.lastAt) {
						t.Errorf("%s, %s view: project %d last completed at %v, engine %v", label, view, r.ID, r.LastAt, x.lastAt)
					}
					if (r.PendingDue.IsZero() == x.hasDue) || (x.hasDue && !r.PendingDue.Equal(x.due)) {
						t.Errorf("%s, %s view: project %d due %v, engine %v (has due %v)", label, view, r.ID, r.PendingDue, x.due, x.hasDue)
					}
				}
				sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
				if !slices.Equal(got, wantIDs) {
					t.Errorf("%s, %s view (late only %v): %d rows, engine %d; only shown %v; only engine %v",
						label, view, lateOnly, len(got), len(wantIDs), minus(got, wantIDs), minus(wantIDs, got))
				}
				if page.MoreThan || page.AtLeast || page.Total != int64(len(wantIDs)) {
					t.Errorf("%s, %s view (late only %v): count %d (bounded %v), engine %d", label, view, lateOnly, page.Total, page.MoreThan || page.AtLeast, len(wantIDs))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The board: one column per stage reached (last completed milestone) over the active view.
	f := base
	f.View = crm.StateActive
	_, cols, err := db.BoardScreen(ctx, viewer, f)
	if err != nil {
		t.Fatal(err)
	}
	{
		type sums struct{ n, value, weighted int64 }
		wantCols := map[int64]sums{}
		for _, x := range want {
			if x.view == crm.StateActive {
				s := wantCols[x.last]
				s.n++
				s.value += x.value
				s.weighted += x.weighted
				wantCols[x.last] = s
			}
		}
		for _, c := range cols {
			w := wantCols[c.Milestone]
			if c.Count != w.n || c.Value != w.value || c.Weighted != w.weighted {
				t.Errorf("%s, board column %d: %d projects %d value %d weighted; engine %d / %d / %d",
					label, c.Milestone, c.Count, c.Value, c.Weighted, w.n, w.value, w.weighted)
			}
			delete(wantCols, c.Milestone)
		}
		for m, w := range wantCols {
			t.Errorf("%s: board has no column %d, engine has %d projects in it", label, m, w.n)
		}
		// The rep load: open and late per owner.
		if v.Role != crm.RoleSales {
			loads, err := db.RepLoads(ctx, viewer, f)
			if err != nil {
				t.Fatal(err)
			}
			type load struct{ open, late int64 }
			wantLoad := map[int64]load{}
			for _, x := range want {
				if x.view == crm.StateActive {
					l := wantLoad[x.owner]
					l.open++
					if x.late {
						l.late++
					}
					wantLoad[x.owner] = l
				}
			}
			for _, l := range loads {
				w := wantLoad[l.Owner.ID]
				if l.Open != w.open || l.Late != w.late {
					t.Errorf("%s, rep load of %s: %d open %d late; engine %d / %d", label, l.Owner.Name, l.Open, l.Late, w.open, w.late)
				}
			}
		}
	}
}

func minus(a, b []int64) []int64 {
	var out []int64
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	if len(out) > 10 {
		out = out[:10]
	}
	return out
}

// moments are the instants the screen is judged at: around the local
// midnights before and after the data's moment (23:59 and 00:01), an hour
// on, and days later.
func (et engineTenant) moments() []time.Time {
	l := et.now.In(et.loc)
	midnight := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, et.loc)
	return []time.Time{
		et.now,
		midnight.Add(-time.Minute), // 23:59 the day before
		midnight.Add(time.Minute),  // 00:01
		time.Date(l.Year(), l.Month(), l.Day()+1, 0, 1, 0, 0, et.loc),
		et.now.Add(time.Hour),
		time.Date(l.Year(), l.Month(), l.Day()+4, 9, 30, 0, 0, et.loc),
	}
}

// TestSalesScreenFiguresAgreeWithEngine: every figure of the Sales screen
// (each view's rows, their pending milestone, due date, late flags and
// value, and counts; late only), the board's column counts and sums, and
// the rep load equal what the engine computes from the rows, for an admin,
// a manager and a salesperson, at several moments, with configured and then
// learned probabilities.
func TestSalesScreenFiguresAgreeWithEngine(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	et := newEngineTenant(t, db)
	et.generate(t, db, 400, rand.New(rand.NewPCG(7, 19)))
	viewers := []crm.User{et.admin, et.manager, et.rep1}
	for _, now := range et.moments() {
		for _, v := range viewers {
			et.checkScreen(t, db, v, now)
		}
	}
	// Learned probabilities on: weighted values follow them.
	err := db.UpdateSettings(context.Background(), et.admin.TenantID, et.admin.ID, crm.Settings{Name: "Engine Solar", Currency: "USD",
		TimeZone: "America/New_York", StagnantDays: 14, LearnedProbabilities: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range viewers {
		et.checkScreen(t, db, v, et.now)
	}
}
