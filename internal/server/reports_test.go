package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pipeline"
	"github.com/pipewell/pipewell/internal/postgres"
	"github.com/pipewell/pipewell/web"
)

// reportsFixture is a tenant with a manager of one workgroup (Rita's), two
// reps and projects at several stages; another tenant has projects too.
type reportsFixture struct {
	app                       *testApp
	admin, manager, rita, sam crm.User
	other                     crm.User
	qualified                 int64
}

func newReportsFixture(t *testing.T, cfg Config) *reportsFixture {
	t.Helper()
	app := newTestApp(t, cfg)
	f := &reportsFixture{app: app, admin: app.db.Tenant(t, "Report Solar")}
	f.manager = app.db.User(t, f.admin, crm.RoleManager, "Mona Manager")
	f.rita = app.db.User(t, f.admin, crm.RoleSales, "Rita Rep")
	f.sam = app.db.User(t, f.admin, crm.RoleSales, "Sam Rep")
	f.qualified = milestoneID(t, app, f.admin, "Lead qualified")
	now := time.Now().UTC()
	type lead struct {
		owner     crm.User
		title     string
		value     int64
		qualified bool
		age       int // days
	}
	for _, l := range []lead{
		{f.rita, "=Rita roof", 1_000_000, true, 3},
		{f.rita, "Rita shed", 250_050, false, 30},
		{f.rita, "Rita barn", 0, false, 1},
		{f.sam, "Sam roof", 700_000, true, 40},
		{f.sam, "Sam garage", 123_456, false, 2},
		{f.manager, "Mona's own", 50_000, true, 5},
	} {
		id := app.project(t, l.owner, l.title, now.AddDate(0, 0, -l.age))
		if l.qualified {
			app.complete(t, l.owner, id, f.qualified, now.AddDate(0, 0, -l.age).Add(time.Hour))
		}
		app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE projects SET value_cents = $3, weighted_cents = 0, last_activity_at = created_at WHERE tenant_id = $1 AND id = $2`,
				tx.Tenant, id, l.value)
			return err
		})
	}
	app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		// VALUES, not INSERT … SELECT: a distributed database would copy
		// the selected rows into the shards, which row-level security refuses.
		var wg int64
		if err := tx.QueryRow(ctx, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, tx.Tenant).Scan(&wg); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO workgroup_members (tenant_id, workgroup_id, user_id, manager)
			VALUES ($1, $2, $3, true), ($1, $2, $4, false)`, tx.Tenant, wg, f.manager.ID, f.rita.ID)
		return err
	})
	if err := app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	f.other = app.db.Tenant(t, "Other Solar")
	app.project(t, f.other, "Other tenant's roof", now.AddDate(0, 0, -2))
	return f
}

// reportCSVRecords downloads a CSV file and returns its records, checking the BOM.
func reportCSVRecords(t *testing.T, c *client, path string) [][]string {
	t.Helper()
	res := c.get(path)
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%s: %d %s\n%s", path, res.status, res.header.Get("Content-Type"), res.body)
	}
	if !strings.HasPrefix(res.body, "\uFEFF") || !strings.Contains(res.body, "\r\n") {
		t.Fatalf("%s: no BOM or CRLF", path)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// cents reads a plain CSV amount (negative for a change that takes value away).
func cents(t *testing.T, s string) int64 {
	t.Helper()
	neg := strings.HasPrefix(s, "-")
	c, ok := parseCents(strings.TrimPrefix(s, "-"))
	if !ok {
		t.Fatalf("amount %q", s)
	}
	if neg {
		return -c
	}
	return c
}

// TestReportsIndex: every role finds the reports in the menu and every
// report of the issue on the index, grouped by cadence.
func TestReportsIndex(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	for _, u := range []crm.User{f.admin, f.manager, f.rita} {
		c := f.app.client()
		c.login(u)
		mustContain(t, c.get("/").body, `href="/reports"`)
		page := c.get("/reports")
		if page.status != http.StatusOK {
			t.Fatalf("%s: /reports %d", u.Name, page.status)
		}
		mustContain(t, page.body, "Daily", "Weekly", "Monthly", `href="/reports/pipeline"`, "Sales funnel results by sales owner",
			"Sales process step completion times", "Qualified lead status", "Late milestones", "Forecast", "Sales performance",
			"Referral", "Commission", "Rep load", "Probability calibration", "Pipeline changes")
	}
}

// TestPipelineReport: each role sees exactly its projects' pipeline; every
// number's drill-down lists projects that add up to it; the CSV is the
// table; the other tenant never counts.
func TestPipelineReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	cases := []struct {
		u              crm.User
		whose          string
		count          int
		value          int64
		qualifiedCount int
	}{
		{f.admin, "All projects of your company.", 6, 2_123_506, 3},
		{f.manager, "Workgroups you manage", 4, 1_300_050, 2},
		{f.rita, "Your projects only", 3, 1_250_050, 1},
		{f.sam, "Your projects only", 2, 823_456, 1},
	}
	for _, tc := range cases {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/pipeline")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, tc.whose, `<svg`, `id="report-table"`, "How is this calculated?", "Lead qualified",
			"Stagnant: nothing logged for 14 days or more.")
		mustNotContain(t, page.body, "Other tenant")
		if n := checkDrillDowns(t, c, page.body); n < 20 {
			t.Errorf("%s: only %d numbers link to their projects", tc.u.Name, n)
		}
		recs := reportCSVRecords(t, c, "/reports/pipeline.csv")
		if got := strings.Join(recs[0], ","); got != "stage,next_step,projects,value,probability_percent,weighted_value,stagnant" {
			t.Fatalf("header %s", got)
		}
		total := recs[len(recs)-1]
		if total[0] != "Total" || total[2] != strconv.Itoa(tc.count) || cents(t, total[3]) != tc.value {
			t.Errorf("%s: total %v, want %d projects, %d cents", tc.u.Name, total, tc.count, tc.value)
		}
		// Each row's numbers are on the page, and its drill-down adds up to it.
		stageIDs := map[string]string{"New leads (no milestone completed)": "none", "Lead qualified": strconv.FormatInt(f.qualified, 10),
			"Lead created": strconv.FormatInt(milestoneID(t, f.app, f.admin, "Lead created"), 10)}
		var sum int
		for _, r := range recs[1 : len(recs)-1] {
			n, _ := strconv.Atoi(r[2])
			sum += n
			if r[0] == "Lead qualified" && n != tc.qualifiedCount {
				t.Errorf("%s: Lead qualified %s, want %d", tc.u.Name, r[2], tc.qualifiedCount)
			}
			id, ok := stageIDs[r[0]]
			if !ok {
				if n != 0 {
					t.Errorf("%s: unexpected stage %v", tc.u.Name, r)
				}
				continue
			}
			drill := reportCSVRecords(t, c, "/reports/pipeline/projects.csv?stage="+id)
			var value, weighted int64
			for _, d := range drill[1:] {
				value += cents(t, d[7])
				weighted += cents(t, d[8])
				if strings.HasPrefix(d[1], "=") {
					t.Errorf("formula not escaped: %q", d[1])
				}
			}
			if len(drill)-1 != n || value != cents(t, r[3]) || weighted != cents(t, r[5]) {
				t.Errorf("%s: drill-down of %s has %d projects, %d, %d; the row says %v", tc.u.Name, r[0], len(drill)-1, value, weighted, r)
			}
			list := c.get("/reports/pipeline/projects?stage=" + id)
			if list.status != http.StatusOK {
				t.Fatalf("drill page %d", list.status)
			}
			mustContain(t, list.body, fmt.Sprintf(`id="drill-count">%d project`, n), tc.whose)
			mustContain(t, page.body, `href="/reports/pipeline/projects?stage=`+id+`"`)
		}
		if sum != tc.count {
			t.Errorf("%s: rows add up to %d, total %d", tc.u.Name, sum, tc.count)
		}
	}
	// Filtered by owner, the total is that owner's.
	c := f.app.client()
	c.login(f.admin)
	recs := reportCSVRecords(t, c, "/reports/pipeline.csv?owner="+strconv.FormatInt(int64(f.sam.ID), 10))
	if total := recs[len(recs)-1]; total[2] != "2" {
		t.Errorf("Sam's pipeline total %v", total)
	}
	// Stagnant: Sam's 40-day-old roof and Rita's 30-day-old shed.
	if total := reportCSVRecords(t, c, "/reports/pipeline.csv")[len(recs)-1]; total[6] != "2" {
		t.Errorf("stagnant total %v", total)
	}
	if d := reportCSVRecords(t, c, "/reports/pipeline/projects.csv?only=stagnant"); len(d) != 3 {
		t.Errorf("stagnant drill-down %v", d)
	}
	// The other tenant sees only its own project.
	o := f.app.client()
	o.login(f.other)
	if total := reportCSVRecords(t, o, "/reports/pipeline.csv"); total[len(total)-1][2] != "1" {
		t.Errorf("other tenant total %v", total[len(total)-1])
	}
}

// TestReportBadFilters: a filter that cannot be used gets a message beside
// it, with what was typed kept, and no report; never a 500.
func TestReportBadFilters(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.manager)
	for _, tc := range []struct {
		query, field, message, kept string
	}{
		{"period=custom&from=2026-13-01", "from", "Enter a date as YYYY-MM-DD.", `value="2026-13-01"`},
		{"from=2026-05-01&to=2026-04-01", "to", "The end date is before the start date.", `value="2026-04-01"`},
		{"from=2010-01-01&to=2026-01-01", "to", "A period can be at most 10 years long.", `value="2026-01-01"`},
		{"period=forever", "period", "Choose a period from the list.", ""},
		{"owner=999999", "owner", "This is not one of your company", ""},
		{"owner=abc", "owner", "This is not one of your company", ""},
		{"wg=42424242", "wg", "This is not one of your company", ""},
		{"source=-1", "source", "This is not one of your company", ""},
		{"owner=" + strconv.FormatInt(int64(f.other.ID), 10), "owner", "This is not one of your company", ""},
	} {
		for _, path := range []string{"/reports/pipeline?", "/reports/pipeline.csv?", "/reports/pipeline/projects?stage=none&"} {
			res := c.get(path + tc.query)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s%s: %d, want 422", path, tc.query, res.status)
				continue
			}
			mustContain(t, res.body, `id="`+tc.field+`-error"`, tc.message, "Fix the filters marked below")
			if tc.kept != "" {
				mustContain(t, res.body, tc.kept)
			}
			mustNotContain(t, res.body, `id="report-table"`)
		}
	}
	// The funnel's own filter, and the funnel's shared ones.
	for _, path := range []string{"/reports/funnel?view=nope", "/reports/funnel.csv?view=nope", "/reports/funnel/projects?view=nope&cell=created"} {
		res := c.get(path)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", path, res.status)
		}
		mustContain(t, res.body, `id="view-error"`, "Choose one from the list.")
	}
	if res := c.get("/reports/funnel?from=2026-05-01&to=2026-04-01"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("funnel with end before start: %d", res.status)
	}
	for _, path := range []string{"/reports/funnel/projects?cell=bogus", "/reports/funnel/projects?cell=reached&m=999999",
		"/reports/funnel/projects?cell=reason&reason=abc"} {
		if res := c.get(path); res.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.status)
		}
	}
	// A drill-down of a stage that does not exist is not found.
	if res := c.get("/reports/pipeline/projects?stage=987654"); res.status != http.StatusNotFound {
		t.Errorf("unknown stage: %d", res.status)
	}
	if res := c.get("/reports/pipeline/projects?only=everything"); res.status != http.StatusNotFound {
		t.Errorf("unknown cell: %d", res.status)
	}
	// A period within the limit is fine and stated.
	res := c.get("/reports/pipeline?" + url.Values{"from": {"2020-01-01"}, "to": {"2029-12-31"}}.Encode())
	if res.status != http.StatusOK {
		t.Fatalf("ten years: %d", res.status)
	}
	mustContain(t, res.body, "Period: 2020-01-01 – 2029-12-31")
}

// TestReportTimeoutMessage: a report that runs out of its statement
// timeout asks for a narrower filter instead of failing.
func TestReportTimeoutMessage(t *testing.T) {
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
	res := c.get("/reports/pipeline")
	if res.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", res.status)
	}
	mustContain(t, res.body, "This report took too long for these filters", `name="owner"`)
}

// TestReportExplanationsAreTheEngines: the English "How is this
// calculated?" texts are the engine's own definitions, word for word, and
// every one a report shows has a Chinese translation.
func TestReportExplanationsAreTheEngines(t *testing.T) {
	en := web.NewLocale("en", "", "USD", time.UTC)
	cat := web.Catalog()
	for _, k := range pipeline.ExplainKeys() {
		key := "reports.explain." + k
		if _, ok := cat["en"][key]; !ok {
			continue // not shown by a report yet
		}
		want, _ := pipeline.Explain(k)
		if got := en.T(key); got != want {
			t.Errorf("%s:\n got %q\nwant %q", key, got, want)
		}
		if cat["zh-Hans"][key] == "" || cat["zh-Hans"][key+".title"] == "" {
			t.Errorf("%s: no Chinese text or title", key)
		}
	}
	if _, ok := cat["en"]["reports.explain.pipeline_stage"]; !ok {
		t.Fatal("the Pipeline report's definition is not in the catalog")
	}
}

// drillLink is a number of a report page and the list behind it.
var drillLink = regexp.MustCompile(`<a href="(/reports/[a-z]+/projects\?[^"]*)">([^<]+)</a>`)

// checkDrillDowns follows every number of a report page to its list of
// projects (as CSV) and checks that the list adds up to the number: a
// count is the number of rows, an amount the sum of their values or of
// their weighted values. It returns how many numbers it checked.
func checkDrillDowns(t *testing.T, c *client, page string) int {
	t.Helper()
	n := 0
	cache := map[string][][]string{}
	for _, m := range drillLink.FindAllStringSubmatch(page, -1) {
		path := html.UnescapeString(m[1])
		text := html.UnescapeString(m[2])
		u := strings.Replace(path, "/projects?", "/projects.csv?", 1)
		recs, ok := cache[u]
		if !ok {
			recs = reportCSVRecords(t, c, u)
			cache[u] = recs
		}
		rows := recs[1:]
		if strings.HasPrefix(text, "$") {
			var value, weighted int64
			for _, r := range rows {
				value += cents(t, r[7])
				weighted += cents(t, r[8])
			}
			want := cents(t, strings.TrimPrefix(text, "$"))
			if want != value && want != weighted {
				t.Errorf("%s shows %s; its %d projects add up to %d (weighted %d)", path, text, len(rows), value, weighted)
			}
		} else if got := strconv.Itoa(len(rows)); strings.ReplaceAll(text, ",", "") != got {
			t.Errorf("%s shows %s; its list has %s projects", path, text, got)
		}
		n++
	}
	return n
}

// TestFunnelReport: the funnel by owner, in both views, for each role:
// every number's list adds up to it, the check holds, the CSV is the table
// and a salesperson sees only their own row.
func TestFunnelReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	now := time.Now().UTC()
	// Sam's archived lead (unqualified), Rita's deferred one, and one archived then reopened.
	reason := scalar[int64](t, f.app, f.admin, `SELECT min(id) FROM archive_reasons`)
	for _, l := range []struct {
		owner crm.User
		title string
		state string
	}{{f.sam, "Sam lost", "archived"}, {f.rita, "Rita later", "deferred"}, {f.rita, "Rita reopened", "reopened"}} {
		id := f.app.project(t, l.owner, l.title, now.AddDate(0, 0, -1))
		f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
			var err error
			switch l.state {
			case "archived":
				_, err = tx.Exec(ctx, `UPDATE projects SET state = 'archived', archive_reason_id = $3, archived_at = now() WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, reason)
			case "deferred":
				_, err = tx.Exec(ctx, `UPDATE projects SET state = 'deferred', defer_until = current_date + 30 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id)
			case "reopened":
				_, err = tx.Exec(ctx, `UPDATE projects SET archive_reason_id = $3, archived_at = now() - interval '1 hour' WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, reason)
			}
			return err
		})
	}
	if err := f.app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	period := "period=last_12_months"
	for _, tc := range []struct {
		u       crm.User
		created string // the total row's created
		rows    int
	}{{f.admin, "9", 3}, {f.manager, "6", 2}, {f.rita, "5", 1}, {f.sam, "3", 1}} {
		c := f.app.client()
		c.login(tc.u)
		for _, view := range []string{"cohort", "activity"} {
			page := c.get("/reports/funnel?" + period + "&view=" + view)
			if page.status != http.StatusOK {
				t.Fatalf("%s %s: %d\n%s", tc.u.Name, view, page.status, page.body)
			}
			mustContain(t, page.body, "<svg", `id="report-table"`, "How is this calculated?")
			mustNotContain(t, page.body, "✗", "Other tenant")
			if n := checkDrillDowns(t, c, page.body); n < 10 {
				t.Errorf("%s %s: only %d numbers link to their projects", tc.u.Name, view, n)
			}
			recs := reportCSVRecords(t, c, "/reports/funnel.csv?"+period+"&view="+view)
			if len(recs) != tc.rows+2 {
				t.Errorf("%s %s: %d CSV records, want %d owners + header + total", tc.u.Name, view, len(recs), tc.rows)
			}
			// The CSV is the table: each of its numbers is on the page.
			for _, r := range recs[1:] {
				for i, cell := range r[1:] {
					if cell == "ok" {
						continue
					}
					if !strings.Contains(page.body, ">"+cell+"<") {
						t.Errorf("%s %s: CSV %s %s = %s not on the page", tc.u.Name, view, r[0], recs[0][i+1], cell)
					}
				}
			}
			if view == "cohort" {
				total := recs[len(recs)-1]
				if total[1] != tc.created || total[5] != "ok" {
					t.Errorf("%s: cohort total %v, want %s created and the check ok", tc.u.Name, total, tc.created)
				}
			}
		}
	}
}

// TestLateReport: every late milestone and event of the projects a viewer
// may see is listed under its owner, nothing else; the counts per owner
// drill down to their projects; the CSV is the list.
func TestLateReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	// Independently of the engine: the open events past their start, and
	// the two milestones the fixture makes late (Rita's 30-day-old lead
	// not qualified within 2 days; Sam's roof, qualified 40 days ago, not
	// proposed within 14).
	type late struct{ project, what string }
	events := map[string][]late{}
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT u.name, p.title, e.title FROM scheduled_events e
			JOIN projects p ON p.tenant_id = $1 AND p.id = e.project_id JOIN users u ON u.tenant_id = $1 AND u.id = p.owner_id
			WHERE e.tenant_id = $1 AND NOT e.done AND e.starts_at < now()`, tx.Tenant)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var owner string
			var l late
			if err := rows.Scan(&owner, &l.project, &l.what); err != nil {
				return err
			}
			events[owner] = append(events[owner], l)
		}
		return rows.Err()
	})
	milestones := map[string][]late{"Rita Rep": {{"Rita shed", "Lead qualified"}}, "Sam Rep": {{"Sam roof", "Proposed"}}}
	for _, tc := range []struct {
		u      crm.User
		owners []string
	}{{f.admin, []string{"Mona Manager", "Rita Rep", "Sam Rep"}}, {f.manager, []string{"Mona Manager", "Rita Rep"}},
		{f.rita, []string{"Rita Rep"}}, {f.sam, []string{"Sam Rep"}}} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/late")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		checkDrillDowns(t, c, page.body)
		recs := reportCSVRecords(t, c, "/reports/late.csv")
		want := map[string]bool{}
		for _, o := range tc.owners {
			for _, l := range milestones[o] {
				want[o+"|"+l.project+"|milestone|"+l.what] = true
			}
			for _, l := range events[o] {
				want[o+"|"+l.project+"|event|"+l.what] = true
			}
		}
		got := map[string]bool{}
		for _, r := range recs[1:] {
			got[r[0]+"|"+r[2]+"|"+r[4]+"|"+r[5]] = true
			if !strings.Contains(page.body, html.EscapeString(r[2])) {
				t.Errorf("%s: %s listed in the CSV, not on the page", tc.u.Name, r[2])
			}
			if r[4] == "milestone" && r[2] == "Rita shed" && r[7] != "28" {
				t.Errorf("Rita shed days late %s, want 28", r[7])
			}
		}
		if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want)) {
			t.Errorf("%s: late things\n got %v\nwant %v", tc.u.Name, sortedKeys(got), sortedKeys(want))
		}
		if len(want) == 0 {
			t.Fatalf("%s: nothing late: the fixture tests nothing", tc.u.Name)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestStepsReport: the qualification step of the fixture's three
// qualified projects (each qualified an hour after creation) is counted
// for each role's own projects, its times are those hours, its numbers
// drill down to the projects measured, and the target is stated.
func TestStepsReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	for _, tc := range []struct {
		u     crm.User
		count string
	}{{f.admin, "3"}, {f.manager, "2"}, {f.rita, "1"}, {f.sam, "1"}} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/steps?period=last_12_months")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		mustContain(t, page.body, "<svg", "Target for qualification: within 2 days (the deadline of Lead qualified)",
			"Created → qualified (or archived unqualified)", "1.0 h")
		checkDrillDowns(t, c, page.body)
		recs := reportCSVRecords(t, c, "/reports/steps.csv?period=last_12_months")
		var first []string
		for _, r := range recs[1:] {
			if strings.HasPrefix(r[0], "Created") && r[1] == "Total" {
				first = r
			}
		}
		if first == nil || first[2] != tc.count || first[4] != "3600" {
			t.Errorf("%s: qualification step total %v, want %s projects, median 3600 s", tc.u.Name, first, tc.count)
		}
	}
}

// TestLoadReport: the Rep load as a report: each salesperson's open
// projects and unqualified new leads, every number drilling down to its
// projects; a salesperson sees only their own row; the CSV is the table.
func TestLoadReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	for _, tc := range []struct {
		u                 crm.User
		open, unqualified string
		rows              int
	}{{f.admin, "6", "3", 3}, {f.manager, "4", "2", 2}, {f.rita, "3", "2", 1}, {f.sam, "2", "1", 1}} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/load")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		if n := checkDrillDowns(t, c, page.body); n < 3*(tc.rows+1) {
			t.Errorf("%s: %d numbers link to their projects", tc.u.Name, n)
		}
		recs := reportCSVRecords(t, c, "/reports/load.csv")
		total := recs[len(recs)-1]
		if total[1] != tc.open || total[2] != tc.unqualified || len(recs) != tc.rows+2 {
			t.Errorf("%s: load %v, want %s open, %s unqualified, %d rows", tc.u.Name, recs, tc.open, tc.unqualified, tc.rows)
		}
	}
}

// TestQualifiedReport: the qualified open projects by owner, with scope and
// milestone status flagged when missing; every number drills down to its
// projects; each role sees its own.
func TestQualifiedReport(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET scope = '10 kW roof', status_id = (SELECT min(id) FROM milestone_statuses WHERE tenant_id = $1)
			WHERE tenant_id = $1 AND title = '=Rita roof'`, tx.Tenant)
		return err
	})
	if err := f.app.db.Refresh(context.Background(), f.admin.TenantID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		u                    crm.User
		n, noScope, noStatus string
	}{{f.admin, "3", "2", "2"}, {f.manager, "2", "1", "1"}, {f.rita, "1", "0", "0"}, {f.sam, "1", "1", "1"}} {
		c := f.app.client()
		c.login(tc.u)
		page := c.get("/reports/qualified")
		if page.status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", tc.u.Name, page.status, page.body)
		}
		checkDrillDowns(t, c, page.body)
		recs := reportCSVRecords(t, c, "/reports/qualified.csv")
		if len(recs)-1 != atoi(tc.n) {
			t.Errorf("%s: %d qualified open projects in the CSV, want %s", tc.u.Name, len(recs)-1, tc.n)
		}
		for _, r := range recs[1:] {
			if r[2] == "=Rita roof" {
				t.Errorf("formula not escaped: %q", r[2])
			}
			if r[2] == "'=Rita roof" && (r[3] != "10 kW roof" || r[9] != "no" || r[10] != "no") {
				t.Errorf("Rita roof %v", r)
			}
		}
		mustContain(t, page.body, `id="qualified-list"`)
		for _, want := range []string{">" + tc.n + "</a>", ">" + tc.noScope + "</a>", ">" + tc.noStatus + "</a>"} {
			mustContain(t, page.body, want)
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
