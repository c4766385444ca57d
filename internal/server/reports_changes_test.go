package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// changesFixture gives the reports fixture a history in the last weeks,
// logged as the app logs it and matching the rows:
//
//	Rita shed   (30 days old) value 2,000.00 → 2,500.50 ten days ago
//	=Rita roof  (3 days old)  sold a day and a half ago
//	Sam roof    (40 days old) archived five days ago, reopened four days ago
//	Sam garage, Mona's own, Rita barn: created in the period, unchanged
//
// The period runs from 25 days ago to today, so it ends now.
func changesFixture(t *testing.T) (*reportsFixture, string) {
	t.Helper()
	f := newReportsFixture(t, Config{})
	now := time.Now().UTC().Truncate(time.Second)
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		ids := map[string]int64{}
		rows, err := tx.Query(ctx, `SELECT id, title FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var title string
			if err := rows.Scan(&id, &title); err != nil {
				rows.Close()
				return err
			}
			ids[title] = id
		}
		rows.Close()
		if _, err := tx.Exec(ctx, `UPDATE projects SET state = 'sold', sold_at = $3 WHERE tenant_id = $1 AND id = $2`,
			tx.Tenant, ids["=Rita roof"], now.Add(-36*time.Hour)); err != nil {
			return err
		}
		day := 24 * time.Hour
		log := [][]any{
			{int64(tx.Tenant), ids["Rita shed"], now.Add(-10 * day), "field_changed", "value", "200000", "250050"},
			{int64(tx.Tenant), ids["=Rita roof"], now.Add(-36 * time.Hour), "state_changed", "state", "active", "sold"},
			{int64(tx.Tenant), ids["Sam roof"], now.Add(-5 * day), "state_changed", "state", "active", "archived"},
			{int64(tx.Tenant), ids["Sam roof"], now.Add(-4 * day), "state_changed", "state", "archived", "active"},
		}
		return tx.InsertValues(ctx, "project_log", []string{"tenant_id", "project_id", "at", "kind", "field", "old_value", "new_value"}, log)
	})
	if err := f.app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	// The other tenant's project is worth a lot: it must never count.
	f.app.sql(t, f.other, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET value_cents = 99900000 WHERE tenant_id = $1`, tx.Tenant)
		return err
	})
	period := "from=" + now.AddDate(0, 0, -25).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)
	return f, period
}

// TestPipelineChangesReport: for each role the waterfall's rows are the
// fixture's history worked out by hand, start + Σ steps = end to the
// cent, each step's list adds up to it (count and value), the page has the
// waterfall and the table, and the other tenant never counts.
func TestPipelineChangesReport(t *testing.T) {
	t.Parallel()
	f, period := changesFixture(t)
	type row struct {
		n int
		v int64
	}
	cases := []struct {
		u    crm.User
		want map[string]row // by the CSV's step, in the table's order
	}{
		{f.admin, map[string]row{"start": {2, 900_000}, "created": {4, 1_173_456}, "pulled_in": {}, "increased": {1, 50_050},
			"decreased": {}, "pushed_out": {}, "won": {1, -1_000_000}, "lost": {1, -700_000}, "reopened": {1, 700_000},
			"end": {5, 1_123_506}}},
		{f.manager, map[string]row{"start": {1, 200_000}, "created": {3, 1_050_000}, "increased": {1, 50_050},
			"won": {1, -1_000_000}, "end": {3, 300_050}}},
		{f.rita, map[string]row{"start": {1, 200_000}, "created": {2, 1_000_000}, "increased": {1, 50_050},
			"won": {1, -1_000_000}, "end": {2, 250_050}}},
	}
	steps := []string{"start", "created", "pulled_in", "increased", "decreased", "pushed_out", "won", "lost", "reopened", "end"}
	for _, tc := range cases {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/changes?" + period)
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, `id="waterfall"`, `class="bar total"`, `id="changes"`, "Pulled in", "How is this calculated?",
			"Open pipeline now")
		recs := reportCSVRecords(t, c, "/reports/changes.csv?"+period)
		if got := strings.Join(recs[0], ","); got != "step,projects,value" || len(recs) != len(steps)+1 {
			t.Fatalf("%s: CSV %v", tc.u.Name, recs)
		}
		var balance int64
		for i, step := range steps {
			r := recs[i+1]
			n, _ := strconv.Atoi(r[1])
			v := cents(t, r[2])
			if want := tc.want[step]; n != want.n || v != want.v {
				t.Errorf("%s: %s %v, want %+v", tc.u.Name, step, r, want)
			}
			switch step {
			case "start":
				balance += v
			case "end":
				balance -= v
			default:
				balance += v
			}
			drill := reportCSVRecords(t, c, "/reports/changes/projects.csv?"+period+"&step="+step)
			var sum int64
			for _, d := range drill[1:] {
				sum += cents(t, d[7])
				if strings.Contains(d[1], "Other tenant") {
					t.Errorf("another tenant's project in %s", step)
				}
			}
			if len(drill)-1 != n || sum != v {
				t.Errorf("%s: the list of %s has %d projects worth %d; the row says %v", tc.u.Name, step, len(drill)-1, sum, r)
			}
			mustContain(t, page.body, `href="/reports/changes/projects?`)
		}
		if balance != 0 {
			t.Errorf("%s: off balance by %d", tc.u.Name, balance)
		}
		list := c.get("/reports/changes/projects?" + period + "&step=won")
		mustContain(t, list.body, "Pipeline changes: Won", "Rita roof")
	}
	// A salesperson's list never shows another's project; the other tenant
	// sees only its own.
	c := f.app.client()
	c.login(f.rita)
	mustNotContain(t, c.get("/reports/changes/projects?"+period+"&step=lost").body, "Sam roof")
	o := f.app.client()
	o.login(f.other)
	recs := reportCSVRecords(t, o, "/reports/changes.csv?"+period)
	if end := recs[len(recs)-1]; end[1] != "1" || cents(t, end[2]) != 99_900_000 {
		t.Errorf("other tenant's end %v", end)
	}
	// An owner of another tenant is unknown here; bad windows get a message.
	a := f.app.client()
	a.login(f.admin)
	for _, q := range []string{"owner=" + strconv.FormatInt(int64(f.other.ID), 10), "close_from=2026-13-01", "close_from=2027-01-01&close_to=2026-01-01"} {
		res := a.get("/reports/changes?" + period + "&" + q)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", q, res.status)
		}
		mustContain(t, res.body, `role="alert"`)
	}
	if res := a.get("/reports/changes/projects?" + period + "&step=nope"); res.status != http.StatusNotFound {
		t.Errorf("unknown step: %d", res.status)
	}
}

// TestPipelineChangesWindow: with a window of expected close dates, a
// project whose date moved into it is pulled in and one whose date moved
// out (or was cleared) is pushed out; a project without a date is out.
func TestPipelineChangesWindow(t *testing.T) {
	t.Parallel()
	f, period := changesFixture(t)
	now := time.Now().UTC()
	in, out := now.AddDate(0, 2, 0).Format(time.DateOnly), now.AddDate(1, 6, 0).Format(time.DateOnly)
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		var shed, garage int64
		if err := tx.QueryRow(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND title = 'Rita shed'`, tx.Tenant).Scan(&shed); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM projects WHERE tenant_id = $1 AND title = 'Sam garage'`, tx.Tenant).Scan(&garage); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projects SET expected_close = CASE WHEN id = $2 THEN $4::date WHEN id = $3 THEN NULL END
			WHERE tenant_id = $1 AND id IN ($2, $3)`, tx.Tenant, shed, garage, in); err != nil {
			return err
		}
		return tx.InsertValues(ctx, "project_log", []string{"tenant_id", "project_id", "at", "kind", "field", "old_value", "new_value"}, [][]any{
			{int64(tx.Tenant), shed, now.Add(-7 * 24 * time.Hour), "field_changed", "expected_close", out, in},
			{int64(tx.Tenant), garage, now.Add(-time.Hour), "field_changed", "expected_close", in, ""},
		})
	})
	c := f.app.client()
	c.login(f.admin)
	window := "&close_from=" + now.Format(time.DateOnly) + "&close_to=" + now.AddDate(0, 6, 0).Format(time.DateOnly)
	recs := reportCSVRecords(t, c, "/reports/changes.csv?"+period+window)
	got := map[string]string{}
	for _, r := range recs[1:] {
		got[r[0]] = r[1] + " " + r[2]
	}
	// The shed was out of the window at the start (its date a year and a
	// half away), pulled in a week ago at 2,500.50; the garage, created with
	// a date in the window, pushed out an hour ago by clearing it.
	if got["Pulled in"] != "1 2500.50" || got["Pushed out"] != "1 -1234.56" || got["Created"] != "1 1234.56" {
		t.Errorf("window: %v", got)
	}
	if start, end := recs[1], recs[len(recs)-1]; start[1] != "0" || end[1] != "1" || end[2] != "2500.50" {
		t.Errorf("pipelines in the window: %v, %v", start, end)
	}
	page := c.get("/reports/changes?" + period + window)
	mustContain(t, page.body, "In the pipeline: open projects expected to close")
}

// TestReportsAsOf: the Pipeline and Forecast reports as of yesterday,
// asked after today's changes (a value raised, a probability typed, an
// expected close moved, a deal archived, one sold, a milestone completed,
// a new lead), equal what the reports showed before the changes, for each
// role; as of today they equal the reports now. The stagnant column is
// not rebuilt.
func TestReportsAsOf(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	ctx := context.Background()
	now := time.Now().UTC()
	window := "period=custom&from=" + now.AddDate(0, -3, 0).Format(time.DateOnly) + "&to=" + now.AddDate(1, 0, 0).Format(time.DateOnly)
	users := []crm.User{f.admin, f.manager, f.rita, f.sam}
	type shot struct{ pipeline, forecast, months string }
	take := func(u crm.User, asOf string) shot {
		c := f.app.client()
		c.login(u)
		q := ""
		if asOf != "" {
			q = "as_of=" + asOf
		}
		var s shot
		for _, r := range reportCSVRecords(t, c, "/reports/pipeline.csv?"+q) {
			s.pipeline += strings.Join(r[:6], ",") + "\n" // the stagnant column is not rebuilt
		}
		for _, r := range reportCSVRecords(t, c, "/reports/forecast.csv?table=owners&"+window+"&"+q) {
			s.forecast += strings.Join(r, ",") + "\n"
		}
		for _, r := range reportCSVRecords(t, c, "/reports/forecast.csv?table=months&"+window+"&"+q) {
			s.months += strings.Join(r, ",") + "\n"
		}
		return s
	}
	before := map[int64]shot{}
	for _, u := range users {
		before[int64(u.ID)] = take(u, "")
	}
	// Today's changes, made as the workspace makes them.
	ids := map[string]int64{}
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, title FROM projects WHERE tenant_id = $1`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var title string
			if err := rows.Scan(&id, &title); err != nil {
				return err
			}
			ids[title] = id
		}
		return rows.Err()
	})
	act := func(u crm.User) crm.Actor {
		return crm.Actor{Viewer: crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}, Now: time.Now(), Loc: time.UTC}
	}
	change := func(u crm.User, title string, decide func(p crm.Project, s crm.Setup, a crm.Actor) (crm.Change, error)) {
		t.Helper()
		a := act(u)
		if _, err := f.app.db.ChangeProject(ctx, a.Viewer, crm.ProjectID(ids[title]), func(p crm.Project, s crm.Setup) (crm.Change, error) {
			return decide(p, s, a)
		}); err != nil {
			t.Fatalf("%s: %v", title, err)
		}
	}
	details := func(edit func(d *crm.Details)) func(p crm.Project, s crm.Setup, a crm.Actor) (crm.Change, error) {
		return func(p crm.Project, s crm.Setup, a crm.Actor) (crm.Change, error) {
			d := crm.DetailsOf(p)
			edit(&d)
			return crm.DecideDetails(p, d, s.Choices, a)
		}
	}
	change(f.sam, "Sam garage", details(func(d *crm.Details) { d.Value = "9,999.99"; d.Probability = "80" }))
	change(f.manager, "Mona's own", details(func(d *crm.Details) { d.ExpectedClose = now.AddDate(0, 5, 0).Format(time.DateOnly) }))
	change(f.rita, "Rita shed", func(p crm.Project, s crm.Setup, a crm.Actor) (crm.Change, error) {
		return crm.DecideArchive(p, s.Choices.Reasons, crm.Archive{Version: p.Version, ReasonID: s.Choices.Reasons[0]}, a)
	})
	var won int64
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT id FROM milestone_defs WHERE tenant_id = $1 AND won`, tx.Tenant).Scan(&won)
	})
	f.app.complete(t, f.rita, ids["=Rita roof"], won, now)
	f.app.complete(t, f.rita, ids["Rita barn"], f.qualified, now)
	f.app.project(t, f.sam, "Sam's new lead", now)
	after := map[int64]shot{}
	changed := false
	for _, u := range users {
		after[int64(u.ID)] = take(u, "")
		changed = changed || after[int64(u.ID)] != before[int64(u.ID)]
	}
	if !changed {
		t.Fatal("today's changes changed no report: the test proves nothing")
	}
	tenant, err := f.app.db.Settings(ctx, f.admin.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	l := now.In(tenant.Location())
	yesterday := time.Date(l.Year(), l.Month(), l.Day()-1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	today := l.Format(time.DateOnly)
	for _, u := range users {
		if got, want := take(u, yesterday), before[int64(u.ID)]; got != want {
			t.Errorf("%s as of yesterday:\n%s\nwant what the reports showed then:\n%s", u.Name, got, want)
		}
		if got, want := take(u, today), after[int64(u.ID)]; got != want {
			t.Errorf("%s as of today:\n%s\nwant the reports now:\n%s", u.Name, got, want)
		}
	}
	// The page says which day it shows; a day to come is refused beside the field.
	c := f.app.client()
	c.login(f.manager)
	mustContain(t, c.get("/reports/pipeline?as_of="+yesterday).body, `id="report-as-of"`, "As the projects stood at the end of "+yesterday)
	res := c.get("/reports/forecast?as_of=" + l.AddDate(0, 0, 2).Format(time.DateOnly))
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("as of a day to come: %d", res.status)
	}
	mustContain(t, res.body, `id="as_of-error"`)
	// The list behind the total as of yesterday adds up to it: the
	// projects as they stood then.
	recs := reportCSVRecords(t, c, "/reports/pipeline.csv?as_of="+yesterday)
	total := recs[len(recs)-1]
	drill := reportCSVRecords(t, c, "/reports/pipeline/projects.csv?as_of="+yesterday)
	var sum int64
	for _, d := range drill[1:] {
		sum += cents(t, d[7])
	}
	if strconv.Itoa(len(drill)-1) != total[2] || sum != cents(t, total[3]) || len(drill) < 3 {
		t.Errorf("as-of drill-down has %d projects worth %d; the total says %v", len(drill)-1, sum, total)
	}
}
