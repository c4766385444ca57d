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

// salesReportsFixture is the reports fixture with deals sold and lost in
// the last days, quotas, commission rates, lead sources and referrers:
//
//	Rita (10 %): "=Rita roof" 10,000.00 sold; "Rita shed" archived after qualification
//	Sam  (5 %):  "Sam roof" 7,000.00 sold, referred by "=Bob"
//	Mona (manager, 2 %): "Mona's own" open, expected to close this month
func salesReportsFixture(t *testing.T) (*reportsFixture, string) {
	t.Helper()
	f := newReportsFixture(t, Config{})
	now := time.Now().UTC()
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE users SET commission_rate_bp = CASE WHEN id = $2 THEN 1000 WHEN id = $3 THEN 500 WHEN id = $4 THEN 200 ELSE 0 END WHERE tenant_id = $1`,
				[]any{f.rita.ID, f.sam.ID, f.manager.ID}},
			{`INSERT INTO quotas (tenant_id, user_id, month, amount_cents) VALUES ($1, $2, $4, 2000000), ($1, $3, $4, 1000000)`,
				[]any{f.rita.ID, f.sam.ID, month}},
			{`UPDATE projects SET state = 'sold', sold_at = $2 WHERE tenant_id = $1 AND title IN ('=Rita roof', 'Sam roof')`, []any{now.Add(-2 * time.Hour)}},
			{`UPDATE projects SET referrer = '=Bob', source_id = (SELECT min(id) FROM lead_sources WHERE tenant_id = $1)
			   WHERE tenant_id = $1 AND title = 'Sam roof'`, nil},
			{`UPDATE projects SET state = 'archived', archive_reason_id = (SELECT min(id) FROM archive_reasons WHERE tenant_id = $1),
			         archived_at = $2 WHERE tenant_id = $1 AND title = 'Rita shed'`, []any{now.Add(-time.Hour)}},
			{`UPDATE projects SET expected_close = $2, forecast_category = 'commit' WHERE tenant_id = $1 AND title = 'Mona''s own'`,
				[]any{now.Format(time.DateOnly)}},
		} {
			if _, err := tx.Exec(ctx, q.sql, append([]any{tx.Tenant}, q.args...)...); err != nil {
				return err
			}
		}
		// The completions: the won milestone of the two sales, Lead
		// qualified an hour after the shed's creation.
		var won int64
		if err := tx.QueryRow(ctx, `SELECT id FROM milestone_defs WHERE tenant_id = $1 AND won`, tx.Tenant).Scan(&won); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, title, created_at FROM projects WHERE tenant_id = $1 AND title IN ('=Rita roof', 'Sam roof', 'Rita shed')`, tx.Tenant)
		if err != nil {
			return err
		}
		var comps [][]any
		for rows.Next() {
			var id int64
			var title string
			var created time.Time
			if err := rows.Scan(&id, &title, &created); err != nil {
				rows.Close()
				return err
			}
			if title == "Rita shed" {
				comps = append(comps, []any{int64(tx.Tenant), id, f.qualified, created.Add(time.Hour)})
			} else {
				comps = append(comps, []any{int64(tx.Tenant), id, won, now.Add(-2 * time.Hour)})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.InsertValues(ctx, "milestone_completions", []string{"tenant_id", "project_id", "milestone_id", "completed_at"}, comps)
	})
	if err := f.app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	// The other tenant sells a big deal too: it must never count.
	f.app.sql(t, f.other, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET state = 'sold', value_cents = 99900000 WHERE tenant_id = $1`, tx.Tenant)
		return err
	})
	if err := f.app.db.Refresh(context.Background(), f.other.TenantID); err != nil {
		t.Fatal(err)
	}
	// A period of the last 30 days, so the test does not depend on the day of the month.
	period := "from=" + now.AddDate(0, 0, -30).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)
	return f, period
}

// column returns the index of a CSV column by name.
func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

// drillAddsUp checks that the list behind a number has as many projects
// as the number says (and, with value >= 0, that their values add up).
func drillAddsUp(t *testing.T, c *client, path string, count int, value int64) {
	t.Helper()
	recs := reportCSVRecords(t, c, path)
	var sum int64
	for _, r := range recs[1:] {
		sum += cents(t, r[7])
	}
	if len(recs)-1 != count || (value >= 0 && sum != value) {
		t.Errorf("%s: %d projects worth %d, the cell says %d, %d", path, len(recs)-1, sum, count, value)
	}
}

// TestCommissionReportPage: each role sees exactly its owners' commission;
// each line's deals add up to it; the CSV is the table; the other tenant's
// sale never counts; a formula-like title is escaped in the deals' CSV.
func TestCommissionReportPage(t *testing.T) {
	t.Parallel()
	f, period := salesReportsFixture(t)
	for _, tc := range []struct {
		u                 crm.User
		whose             string
		deals             int
		value, commission int64
	}{
		{f.admin, "All projects of your company.", 2, 1_700_000, 135_000},
		{f.manager, "Workgroups you manage", 1, 1_000_000, 100_000},
		{f.rita, "Your projects only", 1, 1_000_000, 100_000},
		{f.sam, "Your projects only", 1, 700_000, 35_000},
	} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/commission?" + period)
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, tc.whose, `id="owners"`, "How is this calculated?", "Commission is, for every deal sold")
		recs := reportCSVRecords(t, c, "/reports/commission.csv?"+period)
		h := recs[0]
		if strings.Join(h, ",") != "owner,rate_percent,deals_sold,sold_value,commission" {
			t.Fatalf("header %v", h)
		}
		total := recs[len(recs)-1]
		if total[0] != "Total" || total[2] != strconv.Itoa(tc.deals) || cents(t, total[3]) != tc.value || cents(t, total[4]) != tc.commission {
			t.Errorf("%s: total %v, want %d deals %d %d", tc.u.Name, total, tc.deals, tc.value, tc.commission)
		}
		for _, r := range recs[1 : len(recs)-1] {
			if !strings.Contains(page.body, r[0]) {
				t.Errorf("%s: row %v not on the page", tc.u.Name, r)
			}
		}
		n, _ := strconv.Atoi(total[2])
		drillAddsUp(t, c, "/reports/commission/projects.csv?"+period, n, cents(t, total[3]))
		d := reportCSVRecords(t, c, "/reports/commission/projects.csv?"+period)
		for _, r := range d[1:] {
			if strings.HasPrefix(r[1], "=") {
				t.Errorf("formula not escaped: %q", r[1])
			}
		}
	}
	// Per owner line: Rita's deals add up to her line.
	c := f.app.client()
	c.login(f.admin)
	rita := strconv.FormatInt(int64(f.rita.ID), 10)
	drillAddsUp(t, c, "/reports/commission/projects.csv?owner="+rita+"&"+period, 1, 1_000_000)
	// With an owner chosen, the deals behind the line with each commission.
	page := c.get("/reports/commission?owner=" + rita + "&" + period)
	mustContain(t, page.body, `id="deals"`, "The deals behind the line")
	deals := reportCSVRecords(t, c, "/reports/commission.csv?table=deals&owner="+rita+"&"+period)
	if strings.Join(deals[0], ",") != "project,customer,sold_on,value,rate_percent,commission" || len(deals) != 3 {
		t.Fatalf("deals %v", deals)
	}
	if d, total := deals[1], deals[2]; d[0] != "'=Rita roof" || cents(t, d[5]) != 100_000 || cents(t, total[5]) != 100_000 || cents(t, total[3]) != 1_000_000 {
		t.Errorf("deals %v", deals)
	}
}

// TestForecastReportPage: the month table, owners and workgroup tables
// and the chart with its quota line; the sold and committed deals land in
// this month; drill-downs add up; each role sees its own.
func TestForecastReportPage(t *testing.T) {
	t.Parallel()
	f, _ := salesReportsFixture(t)
	month := time.Now().UTC().Format("2006-01")
	for _, tc := range []struct {
		u                  crm.User
		won, commit, quota int64
		wonDeals           int
	}{
		{f.admin, 1_700_000, 50_000, 3_000_000, 2},
		{f.manager, 1_000_000, 50_000, 2_000_000, 1},
		{f.rita, 1_000_000, 0, 2_000_000, 1},
		{f.sam, 700_000, 0, 1_000_000, 1},
	} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/forecast")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, `id="months"`, `id="owners"`, `<polyline class="line"`, "Past 3 and next 12 months", "Coverage is the open pipeline")
		recs := reportCSVRecords(t, c, "/reports/forecast.csv?table=months")
		h := recs[0]
		var row []string
		for _, r := range recs[1:] {
			if r[0] == month {
				row = r
			}
		}
		if row == nil {
			t.Fatalf("%s: no row for %s in %v", tc.u.Name, month, recs)
		}
		if cents(t, row[column(t, h, "closed_won")]) != tc.won || cents(t, row[column(t, h, "commit")]) != tc.commit ||
			cents(t, row[column(t, h, "quota")]) != tc.quota {
			t.Errorf("%s: %s row %v, want won %d commit %d quota %d", tc.u.Name, month, row, tc.won, tc.commit, tc.quota)
		}
		gap := max(tc.quota-tc.won, 0)
		if cents(t, row[column(t, h, "gap")]) != gap {
			t.Errorf("%s: gap %v, want %d", tc.u.Name, row, gap)
		}
		n, _ := strconv.Atoi(row[column(t, h, "projects")])
		drillAddsUp(t, c, "/reports/forecast/projects.csv?m="+month, n, -1)
		drillAddsUp(t, c, "/reports/forecast/projects.csv?m="+month+"&cat=closed_won", tc.wonDeals, tc.won)
		owners := reportCSVRecords(t, c, "/reports/forecast.csv?table=owners")
		if owners[len(owners)-1][0] != "Total" {
			t.Errorf("owners table without total %v", owners)
		}
	}
}

// TestReferralAndPerformancePages: the referral tables by source and by
// referrer, the performance tables by rep, team, conversion and trend;
// their numbers and drill-downs, per role.
func TestReferralAndPerformancePages(t *testing.T) {
	t.Parallel()
	f, period := salesReportsFixture(t)
	c := f.app.client()
	c.login(f.admin)
	page := c.get("/reports/referral?" + period)
	if page.status != http.StatusOK {
		t.Fatalf("referral %d\n%s", page.status, page.body)
	}
	mustContain(t, page.body, `id="sources"`, `id="referrers"`, "=Bob", "No referrer")
	refs := reportCSVRecords(t, c, "/reports/referral.csv?table=referrers&"+period)
	h := refs[0]
	for _, r := range refs[1:] {
		if r[0] == "=Bob" {
			t.Errorf("referrer not escaped: %v", r)
		}
		if strings.TrimPrefix(r[0], "'") == "=Bob" {
			if r[column(t, h, "sold")] != "1" || cents(t, r[column(t, h, "sold_value")]) != 700_000 {
				t.Errorf("Bob's row %v", r)
			}
			drillAddsUp(t, c, "/reports/referral/projects.csv?by=referrer&key=%3DBob&measure=sold&"+period, 1, 700_000)
		}
	}
	total := refs[len(refs)-1]
	if total[column(t, h, "sold")] != "2" || total[column(t, h, "lost")] != "1" || total[column(t, h, "win_rate_percent")] != "66.67" {
		t.Errorf("referral total %v", total)
	}
	drillAddsUp(t, c, "/reports/referral/projects.csv?measure=lost&"+period, 1, -1)

	for _, tc := range []struct {
		u          crm.User
		sold, lost string
		winRate    string
	}{
		{f.admin, "2", "1", "66.67"},
		{f.manager, "1", "1", "50.00"},
		{f.rita, "1", "1", "50.00"},
		{f.sam, "1", "0", "100.00"},
	} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/performance?" + period)
		if page.status != http.StatusOK {
			t.Fatalf("%s: performance %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, `id="reps"`, `id="conversion"`, `id="trend"`, "Sales velocity is open deals")
		recs := reportCSVRecords(t, c, "/reports/performance.csv?"+period)
		h := recs[0]
		tot := recs[len(recs)-1]
		if tot[column(t, h, "sold")] != tc.sold || tot[column(t, h, "lost")] != tc.lost || tot[column(t, h, "win_rate_percent")] != tc.winRate {
			t.Errorf("%s: total %v", tc.u.Name, tot)
		}
		n, _ := strconv.Atoi(tot[column(t, h, "open_deals")])
		drillAddsUp(t, c, "/reports/performance/projects.csv?measure=open&"+period, n, -1)
		n, _ = strconv.Atoi(tot[column(t, h, "sold")])
		drillAddsUp(t, c, "/reports/performance/projects.csv?measure=sold&"+period, n, cents(t, tot[column(t, h, "sold_value")]))
	}
}

// TestCalibrationReportPage: per milestone, the closed projects that
// reached it and were sold, the drill-downs, the reliability chart, and
// the settings link for admins only.
func TestCalibrationReportPage(t *testing.T) {
	t.Parallel()
	f, _ := salesReportsFixture(t)
	for _, tc := range []struct {
		u       crm.User
		setting bool
		closed  string // closed projects that reached the first milestone
	}{
		{f.admin, true, "3"},
		{f.manager, false, "2"},
		{f.sam, false, "1"},
	} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/calibration")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, `class="chart reliability"`, `id="milestones"`, "Brier score")
		if got := strings.Contains(page.body, `id="report-setting"`); got != tc.setting {
			t.Errorf("%s: settings link %v", tc.u.Name, got)
		}
		recs := reportCSVRecords(t, c, "/reports/calibration.csv")
		first := recs[1]
		if first[column(t, recs[0], "reached")] != tc.closed {
			t.Errorf("%s: first milestone %v, want %s reached", tc.u.Name, first, tc.closed)
		}
		id := milestoneID(t, f.app, f.admin, first[0])
		n, _ := strconv.Atoi(first[column(t, recs[0], "reached")])
		drillAddsUp(t, c, "/reports/calibration/projects.csv?measure=reached&milestone="+strconv.FormatInt(id, 10), n, -1)
		n, _ = strconv.Atoi(first[column(t, recs[0], "sold")])
		drillAddsUp(t, c, "/reports/calibration/projects.csv?measure=sold&milestone="+strconv.FormatInt(id, 10), n, -1)
	}
}

// TestSalesReportsBadFilters: every table report answers a filter it
// cannot use with the message beside it and the input kept (422), never a
// 500; unknown cells are not found.
func TestSalesReportsBadFilters(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.manager)
	for _, slug := range []string{"forecast", "commission", "referral", "performance", "calibration"} {
		for _, tc := range []struct{ query, field, kept string }{
			{"period=custom&from=2026-02-30", "from", `value="2026-02-30"`},
			{"from=2026-05-01&to=2026-04-01", "to", `value="2026-04-01"`},
			{"from=2010-01-01&to=2026-01-01", "to", `value="2010-01-01"`},
			{"period=forever", "period", ""},
			{"owner=999999", "owner", ""},
			{"wg=x", "wg", ""},
			{"source=424242", "source", ""},
			{"owner=" + strconv.FormatInt(int64(f.other.ID), 10), "owner", ""},
		} {
			for _, path := range []string{"/reports/" + slug + "?", "/reports/" + slug + ".csv?", "/reports/" + slug + "/projects?"} {
				res := c.get(path + tc.query)
				if res.status != http.StatusUnprocessableEntity {
					t.Errorf("%s%s: %d, want 422", path, tc.query, res.status)
					continue
				}
				mustContain(t, res.body, `id="`+tc.field+`-error"`, "Fix the filters marked below")
				if tc.kept != "" {
					mustContain(t, res.body, tc.kept)
				}
			}
		}
	}
	for _, path := range []string{"/reports/forecast/projects?m=2026-13", "/reports/forecast/projects?cat=maybe",
		"/reports/referral/projects?measure=everything", "/reports/referral/projects?by=colour&measure=sold",
		"/reports/performance/projects?measure=x", "/reports/calibration/projects?milestone=987654321&measure=reached",
		"/reports/calibration/projects?measure=sold"} {
		if res := c.get(path); res.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.status)
		}
	}
	// The forecast refuses a preset of another report.
	if res := c.get("/reports/pipeline?period=forecast"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("pipeline with the forecast's preset: %d", res.status)
	}
}

// TestSalesReportsTimeout: a table report that runs out of its statement
// timeout asks for a narrower filter (503), with the form, never a 500.
func TestSalesReportsTimeout(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{ReportTimeout: time.Millisecond})
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		return bulkProjects(ctx, tx, f.admin.ID, 5000)
	})
	if err := f.app.db.Any.Refresh(context.Background(), f.admin.TenantID); err != nil { // their derived data, as after a load that bypasses the app
		t.Fatal(err)
	}
	c := f.app.client()
	c.login(f.admin)
	for _, slug := range []string{"forecast", "referral", "performance"} {
		res := c.get("/reports/" + slug)
		if res.status != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d, want 503", slug, res.status)
		}
		mustContain(t, res.body, "This report took too long for these filters", `name="owner"`)
		mustNotContain(t, res.body, `class="report-table"`)
	}
}
