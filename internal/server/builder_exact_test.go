package server

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// The report builder against figures worked out by hand: a small company
// in Los Angeles (west of UTC, so a project created at 20:30 local time is
// on the next day in UTC) whose projects cover the edge cases — a skipped
// milestone, a project deferred back today and one still deferred, an
// archived one with its reason and note, two sold ones (one without a
// value), a late one, one late by an open subtask only. Each project's
// expected figures follow from how the fixture built it, in local days,
// not from the engine.

// exactProject is a fixture project with what every report should say of it.
type exactProject struct {
	id      int64
	title   string
	owner   crm.User
	created time.Time
	value   int64
	// What the report should show.
	state                      string // effective
	pending, last              string // milestone names, "" for none
	lastAt                     time.Time
	due                        string // local date of the pending milestone's due day shown, "" none
	late                       bool
	daysLate                   int
	stageDays                  int // local days in stage today
	age                        int
	probability                int // percent
	weighted                   int64
	soldAt                     time.Time
	source, referrer, scope    string
	status, forecast           string
	reason, note               string
	workgroup                  string
	deferUntil, expectedClose  string
	override                   int // -1 none
	team, contact, contactMail string
	doneQualified              time.Time
	byQualified                string
}

type exactFixture struct {
	app              *testApp
	admin, rita, sam crm.User
	mona             crm.User
	loc              *time.Location
	today            time.Time // local midnight the fixture was built on
	qualified        int64
	projects         []*exactProject
	milestones       map[string]int64
	sources, reasons map[string]int64
	statuses         map[string]int64
	workgroupID      int64
	builtOn          string // local date the expectations hold for
}

// localAt is the instant at hh:mm local time days after (negative: before)
// the fixture's day.
func (f *exactFixture) localAt(days, hh, mm int) time.Time {
	return time.Date(f.today.Year(), f.today.Month(), f.today.Day()+days, hh, mm, 0, 0, f.loc)
}

// localDate is the local date days after the fixture's day.
func (f *exactFixture) localDate(days int) string {
	return f.localAt(days, 12, 0).Format(time.DateOnly)
}

func newExactFixture(t *testing.T) *exactFixture {
	t.Helper()
	app := newTestApp(t, Config{})
	f := &exactFixture{app: app, admin: app.db.Tenant(t, "West Coast Solar")}
	f.loc, _ = time.LoadLocation("America/Los_Angeles")
	f.rita = app.db.User(t, f.admin, crm.RoleSales, "Rita West")
	f.sam = app.db.User(t, f.admin, crm.RoleSales, "Sam West")
	f.mona = app.db.User(t, f.admin, crm.RoleManager, "Mona West")
	now := time.Now().In(f.loc)
	f.today = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, f.loc)
	f.builtOn = f.today.Format(time.DateOnly)
	f.milestones = map[string]int64{}
	f.sources, f.reasons, f.statuses = map[string]int64{}, map[string]int64{}, map[string]int64{}
	app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE tenants SET time_zone = 'America/Los_Angeles' WHERE id = $1`, tx.Tenant); err != nil {
			return err
		}
		for _, l := range []struct {
			q string
			m map[string]int64
		}{
			{`SELECT name, id FROM milestone_defs WHERE tenant_id = $1`, f.milestones},
			{`SELECT name, id FROM lead_sources WHERE tenant_id = $1`, f.sources},
			{`SELECT name, id FROM archive_reasons WHERE tenant_id = $1`, f.reasons},
			{`SELECT name, id FROM milestone_statuses WHERE tenant_id = $1`, f.statuses},
		} {
			rows, err := tx.Query(ctx, l.q, tx.Tenant)
			if err != nil {
				return err
			}
			for rows.Next() {
				var n string
				var id int64
				if err := rows.Scan(&n, &id); err != nil {
					return err
				}
				l.m[n] = id
			}
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, tx.Tenant).Scan(&f.workgroupID)
	})
	f.qualified = f.milestones["Lead qualified"]
	proposed, sold := f.milestones["Proposed"], f.milestones["Sold"]

	// add creates a project as the new-lead form does, created at created.
	add := func(p *exactProject, contact bool) {
		act := crm.Actor{Viewer: crm.Viewer{TenantID: p.owner.TenantID, UserID: p.owner.ID, Role: p.owner.Role}, Now: p.created, Loc: f.loc}
		in := crm.LeadForm{Title: p.title, Account: crm.Account{Name: p.title + " household"}, Value: "100"}
		if contact {
			in.Contact = crm.Contact{Name: p.contact, Email: p.contactMail}
		}
		p.id = int64(app.db.LeadForm(t, act, in))
		if p.last == "" {
			p.last, p.lastAt = "Lead created", p.created
		}
		if p.forecast == "" {
			p.forecast = "pipeline"
		}
		if p.override == 0 {
			p.override = -1
		}
		f.projects = append(f.projects, p)
	}
	var completions, skips, members, subtasks [][]any
	complete := func(p *exactProject, milestone int64, by crm.User, at time.Time) {
		completions = append(completions, []any{f.admin.TenantID, p.id, milestone, at, int64(by.ID), ""})
	}

	// A: active, qualified two days after creation, with an override, a
	// contact, a team member, a workgroup and every optional field.
	a := &exactProject{title: "Roof A", owner: f.rita, created: f.localAt(-10, 20, 30), value: 100_000, state: "active",
		pending: "Proposed", last: "Lead qualified", lastAt: f.localAt(-8, 21, 15), due: f.localDate(-8 + 14), stageDays: 8, age: 10,
		probability: 40, weighted: 40_000, source: "Website", referrer: "Neighbour", scope: "12 panels", status: "Financing review",
		forecast: "best_case", workgroup: "North", expectedClose: f.localDate(20), override: 40, team: f.sam.Name,
		contact: "Ann Lee", contactMail: "ann@example.com", byQualified: f.rita.Name}
	a.doneQualified = a.lastAt
	add(a, true)
	complete(a, f.qualified, f.rita, a.lastAt)
	members = append(members, []any{f.admin.TenantID, a.id, int64(f.sam.ID)})

	// B: never qualified, its qualification due two days after creation:
	// 38 days late. 5 % of 250.50 is 12.525, rounded up to 12.53.
	b := &exactProject{title: "Shed B", owner: f.rita, created: f.localAt(-40, 23, 50), value: 25_050, state: "active",
		pending: "Lead qualified", due: f.localDate(-38), late: true, daysLate: 38, stageDays: 40, age: 40, probability: 5,
		weighted: 1_253, source: "Referral"}
	add(b, false)

	// C: qualification skipped, proposed five days ago; Sold is pending,
	// due 30 days after the proposal.
	c := &exactProject{title: "Skip C", owner: f.sam, created: f.localAt(-20, 21, 0), value: 300_000, state: "active",
		pending: "Sold", last: "Proposed", lastAt: f.localAt(-5, 22, 10), due: f.localDate(-5 + 30), stageDays: 5, age: 20,
		probability: 50, weighted: 150_000, source: "Phone"}
	add(c, false)
	skips = append(skips, []any{f.admin.TenantID, c.id, f.qualified})
	complete(c, proposed, f.sam, c.lastAt)

	// D: deferred until today, so active again; its qualification counts
	// from today.
	d := &exactProject{title: "Back D", owner: f.sam, created: f.localAt(-15, 19, 0), value: 80_000, state: "active",
		pending: "Lead qualified", due: f.localDate(2), stageDays: 15, age: 15, probability: 5, weighted: 4_000,
		deferUntil: f.localDate(0)}
	add(d, false)

	// E: deferred for ten more days; the due date shown is the one its
	// creation gives (yesterday), and it is not late.
	e := &exactProject{title: "Later E", owner: f.rita, created: f.localAt(-3, 22, 0), value: 60_000, state: "deferred",
		pending: "Lead qualified", due: f.localDate(-1), stageDays: 3, age: 3, probability: 5, weighted: 3_000,
		deferUntil: f.localDate(10)}
	add(e, false)

	// F: qualified, then archived with a reason and a note.
	fl := &exactProject{title: "Lost F", owner: f.sam, created: f.localAt(-30, 20, 0), value: 120_000, state: "archived",
		pending: "Proposed", last: "Lead qualified", lastAt: f.localAt(-25, 20, 30), stageDays: 25, age: 30,
		reason: "No budget", note: "Went quiet", byQualified: f.sam.Name}
	fl.doneQualified = fl.lastAt
	add(fl, false)
	complete(fl, f.qualified, f.sam, fl.lastAt)

	// G: sold nine days ago at 22:30 local (the next day in UTC).
	g := &exactProject{title: "Sold G", owner: f.rita, created: f.localAt(-35, 20, 15), value: 500_000, state: "sold",
		last: "Sold", lastAt: f.localAt(-9, 22, 30), stageDays: 9, age: 35, probability: 100, weighted: 500_000,
		source: "Website", forecast: "closed_won", byQualified: f.rita.Name}
	g.soldAt, g.doneQualified = g.lastAt, f.localAt(-30, 20, 0)
	add(g, false)
	complete(g, f.qualified, f.rita, g.doneQualified)
	complete(g, proposed, f.rita, f.localAt(-20, 21, 0))
	complete(g, sold, f.rita, g.soldAt)

	// H: sold without a value, straight from the first milestone: the
	// qualification it passed over is still its pending milestone (the
	// first neither completed nor skipped, whatever the state).
	h := &exactProject{title: "Sold H", owner: f.mona, created: f.localAt(-60, 6, 0), value: 0, state: "sold",
		pending: "Lead qualified", last: "Sold", lastAt: f.localAt(-2, 23, 30), stageDays: 2, age: 60, probability: 100, weighted: 0}
	h.soldAt = h.lastAt
	add(h, false)
	complete(h, sold, f.mona, h.soldAt)

	// I: created yesterday at 23:30 local (today in UTC), no value, late
	// by one day through an open subtask due yesterday only.
	i := &exactProject{title: "Zero I", owner: f.sam, created: f.localAt(-1, 23, 30), value: 0, state: "active",
		pending: "Lead qualified", due: f.localDate(1), late: true, daysLate: 1, stageDays: 1, age: 1, probability: 5, weighted: 0}
	add(i, false)
	subtasks = append(subtasks, []any{f.admin.TenantID, i.id, f.qualified, "Call back", int64(f.sam.ID), f.localDate(-1), false})

	app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		for _, ins := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at", "completed_by", "note"}, completions},
			{"milestone_skips", []string{"tenant_id", "project_id", "milestone_id"}, skips},
			{"project_members", []string{"tenant_id", "project_id", "user_id"}, members},
			{"subtasks", []string{"tenant_id", "project_id", "milestone_id", "title", "assignee_id", "due_date", "done"}, subtasks},
		} {
			if err := tx.InsertValues(ctx, ins.table, ins.cols, ins.rows); err != nil {
				return err
			}
		}
		for _, p := range f.projects {
			state := p.state
			if p.deferUntil != "" {
				state = "deferred"
			}
			var override *int
			if p.override >= 0 {
				override = &p.override
			}
			_, err := tx.Exec(ctx, `UPDATE projects SET state = $3, value_cents = $4, source_id = $5, referrer = $6, scope = $7,
				status_id = $8, forecast_category = $9, archive_reason_id = $10, archive_note = $11,
				archived_at = CASE WHEN $10::bigint IS NULL THEN NULL ELSE $12::timestamptz END, defer_until = $13::date,
				expected_close = $14::date, probability_override = $15, workgroup_id = $16, sold_at = $17, weighted_cents = 0
				WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, p.id, state, p.value, nullName(f.sources, p.source), p.referrer, p.scope, nullName(f.statuses, p.status),
				p.forecast, nullName(f.reasons, p.reason), p.note, f.localAt(-3, 20, 45), nullText(p.deferUntil),
				nullText(p.expectedClose), override, nullName(map[string]int64{"North": f.workgroupID}, p.workgroup), nullTime(p.soldAt))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err := app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	return f
}

func nullName(m map[string]int64, name string) *int64 {
	if name == "" {
		return nil
	}
	id := m[name]
	return &id
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// sameDay runs check, which reads reports, and runs it once more when the
// local day changed while it ran (the fixture's expectations are for the
// day it was built on); it fails when the day is not the fixture's.
func (f *exactFixture) sameDay(t *testing.T, check func(t *testing.T)) {
	t.Helper()
	if d := time.Now().In(f.loc).Format(time.DateOnly); d != f.builtOn {
		t.Skipf("the local day changed from %s to %s since the fixture was built", f.builtOn, d)
	}
	check(t)
}

// exactSummary downloads a one-dimension summary with the measures and
// returns its rows by group label (the total row as "Total").
func exactSummary(t *testing.T, c *client, dim string, measures []string) ([]string, map[string][]string) {
	t.Helper()
	recs := reportCSVRecords(t, c, "/reports/new.csv?"+url.Values{"kind": {"summary"}, "dim1": {dim}, "m": {strings.Join(measures, ",")}}.Encode())
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		if _, dup := rows[r[0]]; dup {
			t.Fatalf("%s: two rows labelled %q", dim, r[0])
		}
		rows[r[0]] = r[1:]
	}
	return recs[0], rows
}

// days is a mean of day counts as the builder's file writes it (0 with
// nothing to average, as the engine's ratios are).
func days(sum float64, n int) string {
	if n == 0 {
		return "0"
	}
	return strconv.FormatFloat(sum/float64(n), 'f', 1, 64)
}

// TestBuilderDaysMeasures: the summary's average days in stage (open
// projects, counted in local calendar days to today) and average cycle
// days (sold projects, creation to sale) are, for each owner and in
// total, what the projects' local dates and times give.
func TestBuilderDaysMeasures(t *testing.T) {
	t.Parallel()
	f := newExactFixture(t)
	c := f.app.client()
	c.login(f.admin)
	f.sameDay(t, func(t *testing.T) {
		_, rows := exactSummary(t, c, "owner", []string{"stage_days", "cycle_days"})
		type acc struct {
			stage, cycle float64
			open, sold   int
		}
		want := map[string]*acc{"Total": {}}
		for _, p := range f.projects {
			for _, k := range []string{p.owner.Name, "Total"} {
				a := want[k]
				if a == nil {
					a = &acc{}
					want[k] = a
				}
				switch p.state {
				case "active", "deferred":
					a.stage += float64(p.stageDays)
					a.open++
				case "sold":
					a.cycle += p.soldAt.Sub(p.created).Seconds() / 86400
					a.sold++
				}
			}
		}
		if len(rows) != len(want) {
			t.Errorf("%d rows, want %d: %v", len(rows), len(want), rows)
		}
		for k, a := range want {
			got := rows[k]
			if got == nil {
				t.Errorf("no row %q: %v", k, rows)
				continue
			}
			if w := days(a.stage, a.open); got[0] != w {
				t.Errorf("%s: days in stage %q, want %q", k, got[0], w)
			}
			if w := days(a.cycle, a.sold); got[1] != w {
				t.Errorf("%s: cycle days %q, want %q", k, got[1], w)
			}
		}
	})
}

// detailPages reads a detail report in keyset pages of size rows (0: one
// read of every row) and returns the rows.
func (f *exactFixture) detailPages(t *testing.T, q postgres.DetailQuery, size int) ([]postgres.DetailRow, *postgres.BuilderSetup) {
	t.Helper()
	var out []postgres.DetailRow
	var setup *postgres.BuilderSetup
	v := crm.Viewer{TenantID: f.admin.TenantID, UserID: f.admin.ID, Role: f.admin.Role}
	q.Limit = size
	for pages := 0; ; pages++ {
		if pages > len(f.projects)+1 {
			t.Fatalf("%v: too many pages", q.Sort)
		}
		var next string
		err := f.app.db.RunBuilder(context.Background(), v, time.Now().Truncate(time.Microsecond), 0, nil, func(tx *postgres.Tx, su *postgres.BuilderSetup) error {
			setup = su
			var err error
			next, err = tx.Detail(context.Background(), su, q, func(r *postgres.DetailRow) error {
				out = append(out, postgres.DetailRow{ID: r.ID, Cells: append([]postgres.DetailValue(nil), r.Cells...)})
				return nil
			})
			return err
		})
		if err != nil {
			t.Fatalf("%v: %v", q.Sort, err)
		}
		if next == "" {
			return out, setup
		}
		q.After = next
	}
}

// TestBuilderSortEveryColumn: a detail report sorted by any sortable
// column, either way, pages (two rows a page) through every project once,
// in the order of the values it shows — names by name, milestones in
// process order, days late, days in stage and age by the days shown — and
// the pages together are the report read at once. The columns that cannot
// be sorted by are refused.
func TestBuilderSortEveryColumn(t *testing.T) {
	t.Parallel()
	f := newExactFixture(t)
	f.sameDay(t, func(t *testing.T) {
		sortable := 0
		for _, k := range postgres.DetailColumnKeys {
			col := postgres.ColumnRef{Key: k}
			if !col.Sortable() {
				if k != "team" && k != "stage_probability" {
					t.Errorf("%s cannot be sorted by", k)
				}
				continue
			}
			sortable++
			for _, desc := range []bool{false, true} {
				q := postgres.DetailQuery{Columns: []postgres.ColumnRef{col, {Key: "title"}}, Sort: []postgres.SortKey{{Column: col, Desc: desc}}}
				paged, su := f.detailPages(t, q, 2)
				whole, _ := f.detailPages(t, q, 0)
				if len(paged) != len(f.projects) || len(whole) != len(f.projects) {
					t.Fatalf("%s desc=%v: %d rows paged, %d at once, want %d", k, desc, len(paged), len(whole), len(f.projects))
				}
				seen := map[int64]bool{}
				for i := range paged {
					if seen[paged[i].ID] {
						t.Errorf("%s desc=%v: project %d twice", k, desc, paged[i].ID)
					}
					seen[paged[i].ID] = true
					if paged[i].ID != whole[i].ID {
						t.Errorf("%s desc=%v: row %d is project %d paged, %d at once", k, desc, i, paged[i].ID, whole[i].ID)
					}
					if i == 0 {
						continue
					}
					c, known := compareShown(su, col, paged[i-1].Cells[0], paged[i].Cells[0])
					if known && ((!desc && c > 0) || (desc && c < 0) || (c == 0 && paged[i-1].ID > paged[i].ID && !finerTies[k])) {
						t.Errorf("%s desc=%v: %v (project %d) before %v (project %d)", k, desc, paged[i-1].Cells[0], paged[i-1].ID,
							paged[i].Cells[0], paged[i].ID)
					}
				}
			}
		}
		if sortable < len(postgres.DetailColumnKeys)-2 {
			t.Errorf("only %d sortable columns", sortable)
		}
	})
}

// finerTies are the columns whose equal values a finer stored value sorts
// apart before the ID (the creation instant of equal ages, the due instant
// of equal days late, the instant of a due day).
var finerTies = map[string]bool{"age": true, "days_late": true, "pending_due": true}

// compareShown orders two cells of a column by what they show; known is
// false for text, which the database orders by its collation (its order is
// checked against the unpaged read only).
func compareShown(su *postgres.BuilderSetup, col postgres.ColumnRef, a, b postgres.DetailValue) (int, bool) {
	cmp := func(x, y int64) int {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	switch col.Kind() {
	case postgres.KindName:
		list := slices.Clone(su.Lists.List(col.List()))
		if col.Key != "pending" && col.Key != "last" { // milestones keep their process order
			sort.SliceStable(list, func(i, j int) bool {
				x, y := strings.ToLower(list[i].Name), strings.ToLower(list[j].Name)
				return x < y || (x == y && list[i].ID < list[j].ID)
			})
		}
		pos := func(id int64) int64 {
			if id == 0 {
				if col.Key == "pending" {
					return 1 << 40 // none pending: after the last milestone
				}
				return -1
			}
			for i, c := range list {
				if c.ID == id {
					return int64(i)
				}
			}
			return 1 << 41
		}
		return cmp(pos(a.N), pos(b.N)), true
	case postgres.KindMoney, postgres.KindNumber, postgres.KindPercent:
		return cmp(a.N, b.N), true
	case postgres.KindDate, postgres.KindInstant:
		at := func(t time.Time) int64 {
			switch {
			case !t.IsZero():
				return t.UnixMicro()
			case col.Key == "pending_due":
				return 1 << 62 // no due date: after every due date
			}
			return -1 << 62 // none: before every date
		}
		return cmp(at(a.T), at(b.T)), true
	case postgres.KindBool:
		return cmp(map[bool]int64{false: 0, true: 1}[a.B], map[bool]int64{false: 0, true: 1}[b.B]), true
	case postgres.KindState:
		return strings.Compare(a.S, b.S), true
	case postgres.KindForecast:
		ladder := map[string]int64{"pipeline": 0, "best_case": 1, "commit": 2, "closed_won": 3, "omitted": 4}
		return cmp(ladder[a.S], ladder[b.S]), true
	}
	return 0, false
}

var exactForecast = map[string]string{"pipeline": "Pipeline", "best_case": "Best case", "commit": "Commit", "closed_won": "Closed won", "omitted": "Omitted"}

var exactState = map[string]string{"active": "Active", "deferred": "Deferred", "archived": "Archived", "sold": "Sold"}

// localDay is the local date of t in the fixture's zone, "" for none.
func (f *exactFixture) localDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(f.loc).Format(time.DateOnly)
}

// lastLog reads each project's latest log entry: when, and its text (the
// note, else the changed field and its new value, else the kind).
func (f *exactFixture) lastLog(t *testing.T) map[int64][2]string {
	t.Helper()
	out := map[int64][2]string{}
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT project_id, at, kind, field, new_value, body FROM project_log WHERE tenant_id = $1 ORDER BY at, id`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var at time.Time
			var kind, field, value, body string
			if err := rows.Scan(&id, &at, &kind, &field, &value, &body); err != nil {
				return err
			}
			text := kind
			switch {
			case body != "":
				text = body
			case field != "":
				text = field + ": " + value
			}
			out[id] = [2]string{f.localDay(at), text} // the latest wins
		}
		return rows.Err()
	})
	return out
}

// TestBuilderDetailEveryColumn: a detail report with every column (and
// the qualification's date and completer) shows, for every project of the
// Los Angeles company, what its construction says, in local days.
func TestBuilderDetailEveryColumn(t *testing.T) {
	t.Parallel()
	f := newExactFixture(t)
	c := f.app.client()
	c.login(f.admin)
	q := strconv.FormatInt(f.qualified, 10)
	cols := append(append([]string(nil), postgres.DetailColumnKeys...), "done:"+q, "by:"+q)
	logs := f.lastLog(t)
	f.sameDay(t, func(t *testing.T) {
		head, rows := builderCSVRows(t, c, url.Values{"cols": {strings.Join(cols, ",")}})
		if len(head) != len(cols)+1 || len(rows) != len(f.projects) {
			t.Fatalf("%d columns, %d rows; want %d, %d", len(head), len(rows), len(cols)+1, len(f.projects))
		}
		yesNo := map[bool]string{true: "yes", false: "no"}
		for _, p := range f.projects {
			r := rows[strconv.FormatInt(p.id, 10)]
			if r == nil {
				t.Fatalf("%s missing", p.title)
			}
			override := ""
			if p.override >= 0 {
				override = strconv.Itoa(p.override)
			}
			want := map[string]string{
				"title": p.title, "account": p.title + " household", "account_email": "", "account_phone": "", "account_address": "",
				"contact": p.contact, "contact_email": p.contactMail, "contact_phone": "", "owner": p.owner.Name, "team": p.team,
				"workgroup": p.workgroup, "source": p.source, "referrer": p.referrer, "scope": p.scope, "value": money(p.value),
				"expected_close": p.expectedClose, "state": exactState[p.state], "archive_reason": p.reason, "archive_note": p.note,
				"defer_until": p.deferUntil, "status": p.status, "forecast": exactForecast[p.forecast], "probability_override": override,
				"created_at": f.localDay(p.created), "created_by": p.owner.Name, "pending": p.pending, "pending_due": p.due,
				"late": yesNo[p.late], "days_late": strconv.Itoa(p.daysLate), "last": p.last, "last_at": f.localDay(p.lastAt),
				"days_in_stage": strconv.Itoa(p.stageDays), "stage_probability": fmt.Sprintf("%d.00", p.probability),
				"weighted": money(p.weighted), "last_log_at": logs[p.id][0], "last_log_text": logs[p.id][1], "age": strconv.Itoa(p.age),
				"done:" + q: f.localDay(p.doneQualified), "by:" + q: p.byQualified,
			}
			if len(want) != len(cols) {
				t.Fatalf("the test expects %d columns of %d", len(want), len(cols))
			}
			for i, k := range cols {
				if got := r[i+1]; got != want[k] {
					t.Errorf("%s: %s = %q, want %q", p.title, k, got, want[k])
				}
			}
		}
	})
}

// exactGroup is a project's group label for a summary dimension.
func (f *exactFixture) exactGroup(p *exactProject, dim string) string {
	none := func(s string) string {
		if s == "" {
			return "(none)"
		}
		return s
	}
	local := p.created.In(f.loc)
	switch dim {
	case "owner":
		return p.owner.Name
	case "workgroup":
		return none(p.workgroup)
	case "source":
		return none(p.source)
	case "referrer":
		return none(p.referrer)
	case "created_week":
		monday := local.AddDate(0, 0, -((int(local.Weekday()) + 6) % 7))
		return monday.Format(time.DateOnly)
	case "created_month":
		return local.Format("2006-01")
	case "created_quarter":
		return fmt.Sprintf("%d-Q%d", local.Year(), (int(local.Month())+2)/3)
	case "created_year":
		return strconv.Itoa(local.Year())
	case "sold_month":
		if p.soldAt.IsZero() {
			return "(none)"
		}
		return p.soldAt.In(f.loc).Format("2006-01")
	case "close_month":
		if p.expectedClose == "" {
			return "(none)"
		}
		return p.expectedClose[:7]
	case "pending":
		return none(p.pending)
	case "last":
		return none(p.last)
	case "state":
		return exactState[p.state]
	case "archive_reason":
		return none(p.reason)
	case "status":
		return none(p.status)
	case "forecast":
		return exactForecast[p.forecast]
	}
	panic("no dimension " + dim)
}

// exactMeasures are a group's measures as the builder's file writes them.
func exactMeasures(ps []*exactProject) []string {
	var sum, weighted int64
	var values []int64
	var stage, cycle float64
	open, sold := 0, 0
	for _, p := range ps {
		sum += p.value
		weighted += p.weighted
		values = append(values, p.value)
		switch p.state {
		case "active", "deferred":
			stage += float64(p.stageDays)
			open++
		case "sold":
			cycle += p.soldAt.Sub(p.created).Seconds() / 86400
			sold++
		}
	}
	slices.Sort(values)
	n := len(values)
	median := float64(values[n/2])
	if n%2 == 0 {
		median = float64(values[n/2-1]+values[n/2]) / 2
	}
	avg := float64(sum) / float64(n)
	return []string{strconv.Itoa(n), money(sum), money(int64(avg + 0.5)), money(values[0]), money(values[n-1]),
		money(int64(median + 0.5)), money(weighted), days(stage, open), days(cycle, sold)}
}

// TestBuilderSummaryEveryMeasure: a summary by each dimension with every
// measure gives, for each group and the total, what the fixture's
// projects give worked out by hand: local weeks, months and quarters,
// the effective state, days in stage of the open projects and cycle days
// of the sold ones.
func TestBuilderSummaryEveryMeasure(t *testing.T) {
	t.Parallel()
	f := newExactFixture(t)
	c := f.app.client()
	c.login(f.admin)
	f.sameDay(t, func(t *testing.T) {
		for _, dim := range postgres.DimensionKeys {
			head, rows := exactSummary(t, c, dim, postgres.MeasureKeys)
			if len(head) != len(postgres.MeasureKeys)+1 {
				t.Fatalf("%s: head %v", dim, head)
			}
			groups := map[string][]*exactProject{"Total": f.projects}
			for _, p := range f.projects {
				k := f.exactGroup(p, dim)
				groups[k] = append(groups[k], p)
			}
			if len(rows) != len(groups) {
				t.Errorf("%s: %d rows, want %d: %v", dim, len(rows), len(groups), rows)
			}
			for k, ps := range groups {
				got := rows[k]
				if got == nil {
					t.Errorf("%s: no row %q (rows %v)", dim, k, rows)
					continue
				}
				want := exactMeasures(ps)
				for i, m := range postgres.MeasureKeys {
					if got[i] != want[i] {
						t.Errorf("%s = %s: %s is %q, want %q", dim, k, m, got[i], want[i])
					}
				}
			}
		}
	})
}
