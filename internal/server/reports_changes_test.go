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
