package server

import (
	"context"
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
)

// builderCSV downloads a builder report's file and returns its header and
// rows by project ID (the first column).
func builderCSVRows(t *testing.T, c *client, q url.Values) ([]string, map[string][]string) {
	t.Helper()
	recs := reportCSVRecords(t, c, "/reports/new.csv?"+q.Encode())
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]] = r
	}
	return recs[0], rows
}

// TestBuilderDetailColumns: a detail report with every column of the
// builder (and a milestone's completion and completer) gives, for every
// visible project, what an independent reading of the project's rows and
// the engine's definitions gives.
func TestBuilderDetailColumns(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.admin)
	q := strconv.FormatInt(f.qualified, 10)
	cols := append(append([]string(nil), postgres.DetailColumnKeys...), "done:"+q, "by:"+q)
	head, rows := builderCSVRows(t, c, url.Values{"cols": {strings.Join(cols, ",")}})
	if len(head) != len(cols)+1 {
		t.Fatalf("header has %d columns, want %d: %v", len(head), len(cols)+1, head)
	}
	idx := map[string]int{}
	for i, k := range cols {
		idx[k] = i + 1
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects`); int64(len(rows)) != n {
		t.Fatalf("%d rows, tenant has %d projects", len(rows), n)
	}
	now := time.Now()
	type proj struct {
		id                            int64
		title, account, owner, state  string
		value, weighted               int64
		created                       time.Time
		lastAt                        *time.Time
		done                          *time.Time
		doneBy, pending, last         string
		late, milestoneLate, itemLate bool
		due, itemDue                  time.Time
		stageProb                     int
	}
	var ps []proj
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		rs, err := tx.Query(ctx, `SELECT p.id, p.title, a.name, u.name, p.state, p.value_cents, p.weighted_cents, p.created_at,
			(SELECT max(completed_at) FROM milestone_completions m WHERE m.tenant_id = $1 AND m.project_id = p.id),
			mc.completed_at, COALESCE(cu.name, ''), COALESCE(pm.name, ''), COALESCE(lm.name, ''), COALESCE(lm.probability, 0),
			p.phase = 'open' AND p.active_from <= now() AND p.late_from <= now(), CASE WHEN p.pending_due_at = 'infinity' THEN now() ELSE p.pending_due_at END,
			p.milestone_late_from <= now(), p.item_late_from <= now(), CASE WHEN p.item_due_at = 'infinity' THEN now() ELSE p.item_due_at END
			FROM projects p JOIN accounts a ON a.tenant_id = $1 AND a.id = p.account_id JOIN users u ON u.tenant_id = $1 AND u.id = p.owner_id
			LEFT JOIN milestone_completions mc ON mc.tenant_id = $1 AND mc.project_id = p.id AND mc.milestone_id = $2
			LEFT JOIN users cu ON cu.tenant_id = $1 AND cu.id = mc.completed_by
			LEFT JOIN milestone_defs pm ON pm.tenant_id = $1 AND pm.id = p.pending_milestone_id
			LEFT JOIN milestone_defs lm ON lm.tenant_id = $1 AND lm.id = p.last_milestone_id
			WHERE p.tenant_id = $1`, tx.Tenant, f.qualified)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var p proj
			if err := rs.Scan(&p.id, &p.title, &p.account, &p.owner, &p.state, &p.value, &p.weighted, &p.created, &p.lastAt,
				&p.done, &p.doneBy, &p.pending, &p.last, &p.stageProb, &p.late, &p.due, &p.milestoneLate, &p.itemLate, &p.itemDue); err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return rs.Err()
	})
	day := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	for _, p := range ps {
		r := rows[strconv.FormatInt(p.id, 10)]
		if r == nil {
			t.Fatalf("project %d missing", p.id)
		}
		since := p.created
		if p.lastAt != nil && p.lastAt.After(since) {
			since = *p.lastAt
		}
		esc := func(s string) string {
			if strings.HasPrefix(s, "=") {
				return "'" + s // formula escaping
			}
			return s
		}
		title := esc(p.title)
		late, daysLate := "no", "0"
		if p.late {
			days := 0
			if p.milestoneLate {
				days = pipeline.CalendarDays(p.due, now, time.UTC)
			}
			if p.itemLate {
				days = max(days, pipeline.CalendarDays(p.itemDue, now, time.UTC))
			}
			late, daysLate = "yes", strconv.Itoa(days)
		}
		want := map[string]string{
			"title": title, "account": esc(p.account), "owner": p.owner, "state": web_state(p.state),
			"value": money(p.value), "weighted": money(p.weighted), "created_at": day(p.created),
			"pending": p.pending, "last": p.last, "age": strconv.Itoa(pipeline.CalendarDays(p.created, now, time.UTC)),
			"days_in_stage":     strconv.Itoa(pipeline.CalendarDays(since, now, time.UTC)),
			"stage_probability": strconv.FormatFloat(float64(p.stageProb), 'f', 2, 64),
			"late":              late, "days_late": daysLate, "probability_override": "", "archive_reason": "", "scope": "",
			"by:" + q: p.doneBy,
		}
		if p.done != nil {
			want["done:"+q] = day(*p.done)
		} else {
			want["done:"+q] = ""
		}
		if p.lastAt != nil {
			want["last_at"] = day(*p.lastAt)
		}
		for k, w := range want {
			if got := r[idx[k]]; got != w {
				t.Errorf("project %d (%s) column %s = %q, want %q", p.id, p.title, k, got, w)
			}
		}
		if r[idx["last_log_at"]] == "" || r[idx["last_log_text"]] == "" || r[idx["created_by"]] == "" {
			t.Errorf("project %d: no last log entry or creator: %v", p.id, r)
		}
	}
}

func web_state(s string) string {
	return map[string]string{"active": "Active", "deferred": "Deferred", "archived": "Archived", "sold": "Sold"}[s]
}

func money(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// TestBuilderSummaryAddsUp: a summary by owner × pending milestone counts
// and sums what an independent query counts and sums, its row and column
// totals add up, and every cell drills down to exactly its projects.
func TestBuilderSummaryAddsUp(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.admin)
	def := url.Values{"kind": {"summary"}, "dim1": {"owner"}, "dim2": {"pending"}, "m": {"count"}}
	page := c.get("/reports/new?" + def.Encode())
	if page.status != http.StatusOK {
		t.Fatalf("summary: %d\n%s", page.status, page.body)
	}
	mustContain(t, page.body, `id="builder-pivot"`, "<svg", "Rita Rep", "Sam Rep")
	recs := reportCSVRecords(t, c, "/reports/new.csv?"+def.Encode())
	body := recs[1 : len(recs)-1]
	total := recs[len(recs)-1]
	colSums := make([]int64, len(recs[0]))
	var grand int64
	for _, r := range body {
		var rowSum int64
		for i := 1; i < len(r)-1; i++ {
			n, _ := strconv.ParseInt(r[i], 10, 64)
			rowSum += n
			colSums[i] += n
		}
		last, _ := strconv.ParseInt(r[len(r)-1], 10, 64)
		if rowSum != last {
			t.Errorf("row %s: cells add up to %d, total %d", r[0], rowSum, last)
		}
		grand += last
	}
	for i := 1; i < len(total)-1; i++ {
		if n, _ := strconv.ParseInt(total[i], 10, 64); n != colSums[i] {
			t.Errorf("column %s: cells add up to %d, total %d", recs[0][i], colSums[i], n)
		}
	}
	want := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects`)
	if n, _ := strconv.ParseInt(total[len(total)-1], 10, 64); n != want || grand != want {
		t.Errorf("grand total %s (rows %d), want %d", total[len(total)-1], grand, want)
	}
	// Every cell's link lists its projects: as many as the cell counts.
	links := regexp.MustCompile(`<td class="num"><a href="([^"]+)">([0-9,]+)</a>`).FindAllStringSubmatch(page.body, -1)
	if len(links) < 3 {
		t.Fatalf("only %d drill-down links", len(links))
	}
	for _, l := range links {
		u, _ := url.Parse(html.UnescapeString(l[1]))
		_, rows := builderCSVRows(t, c, u.Query())
		if n, _ := strconv.Atoi(strings.ReplaceAll(l[2], ",", "")); n != len(rows) {
			t.Errorf("cell %s shows %d, its list has %d", u.RawQuery, n, len(rows))
		}
	}
	// Value measures against an independent sum by owner.
	def = url.Values{"kind": {"summary"}, "dim1": {"owner"}, "m": {"count,value_sum,value_avg,value_min,value_max,value_median,weighted_sum,stage_days,cycle_days"}}
	recs = reportCSVRecords(t, c, "/reports/new.csv?"+def.Encode())
	byName := map[string][]string{}
	for _, r := range recs[1:] {
		byName[r[0]] = r
	}
	for _, u := range []crm.User{f.rita, f.sam} {
		var n, sum, mn, mx int64
		var med float64
		f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*), sum(value_cents), min(value_cents), max(value_cents),
				percentile_cont(0.5) WITHIN GROUP (ORDER BY value_cents) FROM projects WHERE tenant_id = $1 AND owner_id = $2`,
				tx.Tenant, u.ID).Scan(&n, &sum, &mn, &mx, &med)
		})
		r := byName[u.Name]
		if r == nil {
			t.Fatalf("no row for %s: %v", u.Name, recs)
		}
		want := []string{strconv.FormatInt(n, 10), money(sum), money((sum + n/2) / n), money(mn), money(mx), money(int64(med + 0.5))}
		for i, w := range want {
			if r[i+1] != w {
				t.Errorf("%s measure %s = %s, want %s", u.Name, recs[0][i+1], r[i+1], w)
			}
		}
	}
}

// TestBuilderVisibility: the same definition shows a salesperson only
// their projects, a manager their workgroup's, another tenant none of
// this tenant's.
func TestBuilderVisibility(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	def := url.Values{"cols": {"title,owner"}}
	for _, tc := range []struct {
		u    crm.User
		want []string
		not  []string
	}{
		{f.rita, []string{"Rita shed"}, []string{"Sam roof", "Mona&#39;s own", "Other tenant"}},
		{f.manager, []string{"Rita shed", "Mona&#39;s own"}, []string{"Sam roof", "Other tenant"}},
		{f.admin, []string{"Rita shed", "Sam roof"}, []string{"Other tenant"}},
		{f.other, []string{"Other tenant"}, []string{"Rita shed", "Sam roof"}},
	} {
		c := f.app.client()
		c.login(tc.u)
		for _, kind := range []string{"detail", "summary"} {
			def.Set("kind", kind)
			def.Set("dim1", "owner")
			res := c.get("/reports/new?" + def.Encode())
			if res.status != http.StatusOK {
				t.Fatalf("%s %s: %d", tc.u.Name, kind, res.status)
			}
			if kind == "detail" {
				mustContain(t, res.body, tc.want...)
				mustNotContain(t, res.body, tc.not...)
			}
		}
		_, rows := builderCSVRows(t, c, url.Values{"cols": {"title"}})
		for _, r := range rows {
			for _, n := range tc.not {
				if strings.Contains(r[1], n) {
					t.Errorf("%s's file has %q", tc.u.Name, r[1])
				}
			}
		}
	}
	// A salesperson's summary counts only their projects.
	c := f.app.client()
	c.login(f.rita)
	recs := reportCSVRecords(t, c, "/reports/new.csv?kind=summary&dim1=owner&m=count")
	if got := recs[len(recs)-1][1]; got != "3" || len(recs) != 3 {
		t.Errorf("Rita's summary: %v, want one row and a total of 3", recs)
	}
}

// TestBuilderBadDefinitions: a tampered or stale definition gets a message
// beside its field (422) or a clear page (400), never a 500 and never SQL.
func TestBuilderBadDefinitions(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.admin)
	for _, q := range []string{
		"cols=title,p.id%3BDROP+TABLE+projects", "cols=done:abc", "s1=team", "s1=stage_probability", "s1=done:1", "s1=title&d1=sideways", "kind=summary&dim1=owner_id",
		"kind=summary&m=sum(value_cents)", "kind=summary&dim1=owner&dim2=owner", "vmin=abc", "vmin=10&vmax=5", "dcol=created_at&dfrom=2026-13-40",
		"dfrom=2026-01-01", "tcol=value&tempty=empty", "owner=999999999", "g1=owner&g1v=x", "state=gone", "kind=pivot",
	} {
		res := c.get("/reports/new?" + q)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", q, res.status)
			continue
		}
		if !strings.Contains(res.body, `id="report-failure"`) || !strings.Contains(res.body, `class="field-error"`) {
			t.Errorf("%s: no message beside a field", q)
		}
	}
	if res := c.get("/reports/new?after=bm9wZQ"); res.status != http.StatusBadRequest {
		t.Errorf("a tampered cursor: %d, want 400", res.status)
	}
	if res := c.get("/reports/new?s1=value&after=" + url.QueryEscape(`eyJrIjpbIngiXSwiaSI6MX0`)); res.status != http.StatusBadRequest {
		t.Errorf("a cursor of the wrong type: %d, want 400", res.status)
	}
	if res := c.get("/reports/new.csv?cols=nope"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("the file of a tampered definition: %d, want 422", res.status)
	}
}

// TestBuilderDeactivatedMilestone: a definition naming a deactivated
// milestone still runs and says so; one naming a milestone that no longer
// exists asks for another.
func TestBuilderDeactivatedMilestone(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	c := f.app.client()
	c.login(f.admin)
	q := strconv.FormatInt(f.qualified, 10)
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE milestone_defs SET active = false WHERE tenant_id = $1 AND id = $2`, tx.Tenant, f.qualified)
		return err
	})
	res := c.get("/reports/new?cols=title,done:" + q + "&ms=" + q)
	if res.status != http.StatusOK {
		t.Fatalf("deactivated milestone: %d\n%s", res.status, res.body)
	}
	mustContain(t, res.body, `id="builder-note"`, "is no longer active", "Rita roof")
	mustNotContain(t, res.body, "Rita shed")
	res = c.get("/reports/new?cols=title&pending=987654321")
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("deleted milestone: %d", res.status)
	}
	mustContain(t, res.body, "This no longer exists")
}

// TestBuilderPages: keyset pages of 50 by two sort keys in opposite
// directions list every project once, in order.
func TestBuilderPages(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	now := time.Now()
	for i := range 57 {
		id := f.app.project(t, f.sam, fmt.Sprintf("Bulk %02d", i), now.Add(-time.Duration(i)*time.Hour))
		f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE projects SET value_cents = $3, weighted_cents = 0 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, (i%5)*1000)
			return err
		})
	}
	c := f.app.client()
	c.login(f.admin)
	total := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects`)
	path := "/reports/new?cols=title,value&s1=value&d1=desc&s2=title&d2=asc"
	seen := map[string]bool{}
	var titles []string
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		res := c.get(path)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d", path, res.status)
		}
		for _, m := range regexp.MustCompile(`<td[^>]*><a href="/projects/\d+">([^<]+)</a>`).FindAllStringSubmatch(res.body, -1) {
			if seen[m[1]] {
				t.Errorf("%s listed twice", m[1])
			}
			seen[m[1]] = true
			titles = append(titles, m[1])
		}
		path = ""
		if m := regexp.MustCompile(`href="([^"]+)" id="builder-next"`).FindStringSubmatch(res.body); m != nil {
			path = html.UnescapeString(m[1])
		}
	}
	if int64(len(titles)) != total {
		t.Fatalf("pages listed %d projects, tenant has %d", len(titles), total)
	}
	_, rows := builderCSVRows(t, c, url.Values{"cols": {"title"}, "s1": {"value"}, "d1": {"desc"}, "s2": {"title"}})
	if len(rows) != len(titles) {
		t.Errorf("the file has %d rows, the pages %d", len(rows), len(titles))
	}
}

// TestBuilderSavedReports: a manager saves a report shared, a salesperson
// runs it and sees only their projects but may not change it; a private
// report is its owner's alone; a salesperson may not share; a new tenant
// starts with the two shared examples; the owner renames, duplicates and
// deletes.
func TestBuilderSavedReports(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	m := f.app.client()
	m.login(f.manager)
	idx := m.get("/reports")
	mustContain(t, idx.body, "Active leads and opportunities", "Sales funnel by lead source", `href="/reports/new?kind=detail"`)
	def := url.Values{"kind": {"detail"}, "cols": {"title,owner,value"}, "state": {"active"}}
	res := m.post("/reports/saved", url.Values{"name": {"Team roofs"}, "shared": {"1"}, "definition": {def.Encode()}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.status, res.body)
	}
	path := res.header.Get("Location")
	page := m.get(path)
	mustContain(t, page.body, "Team roofs", "Rita shed", "Mona&#39;s own")

	rita := f.app.client()
	rita.login(f.rita)
	mustContain(t, rita.get("/reports").body, "Team roofs")
	page = rita.get(path)
	if page.status != http.StatusOK {
		t.Fatalf("rita opens the shared report: %d", page.status)
	}
	mustContain(t, page.body, "Rita shed")
	mustNotContain(t, page.body, "Mona&#39;s own", "Sam roof", `id="builder-delete"`)
	_, rows := builderCSVRows(t, rita, url.Values{}) // her unsaved default
	recs := reportCSVRecords(t, rita, path+"/report.csv")
	if len(recs)-1 != len(rows)-countNotActive(t, f, f.rita) || len(recs) < 2 {
		t.Errorf("rita's file of the shared report has %d rows", len(recs)-1)
	}
	for _, r := range recs[1:] {
		if r[2] != "Rita Rep" {
			t.Errorf("rita's file lists %v", r)
		}
	}
	if res := rita.post(path+"/delete", url.Values{}); res.status == http.StatusSeeOther {
		t.Error("a salesperson deleted a manager's shared report")
	}
	if res := rita.post(path, url.Values{"name": {"Mine now"}, "definition": {def.Encode()}}); res.status == http.StatusSeeOther {
		t.Error("a salesperson renamed a manager's shared report")
	}
	// A salesperson may save private reports, not shared ones.
	res = rita.post("/reports/saved", url.Values{"name": {"Rita's"}, "shared": {"1"}, "definition": {def.Encode()}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a salesperson shares: %d", res.status)
	}
	mustContain(t, res.body, "Only managers and admins may share reports.", `value="Rita&#39;s"`)
	res = rita.post("/reports/saved", url.Values{"name": {"Rita's"}, "definition": {def.Encode()}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("a private save: %d", res.status)
	}
	private := res.header.Get("Location")
	sam := f.app.client()
	sam.login(f.sam)
	if res := sam.get(private); res.status != http.StatusNotFound {
		t.Errorf("another salesperson opens a private report: %d, want 404", res.status)
	}
	mustNotContain(t, sam.get("/reports").body, "Rita&#39;s")
	// A definition stored damaged says so.
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE saved_reports SET params = '{"cols": ["title,DROP"], "kind": ["detail"]}' WHERE tenant_id = $1 AND name = 'Team roofs'`, tx.Tenant)
		return err
	})
	if res := m.get(path); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "not one the builder offers") {
		t.Errorf("a tampered saved definition: %d", res.status)
	}
	// The owner renames, duplicates and deletes.
	if res := m.post(path, url.Values{"name": {"Team roofs 2"}, "shared": {"1"}, "definition": {def.Encode()}}); res.status != http.StatusSeeOther {
		t.Fatalf("rename: %d\n%s", res.status, res.body)
	}
	mustContain(t, m.get(path).body, "Team roofs 2")
	res = m.post(path+"/duplicate", url.Values{})
	if res.status != http.StatusSeeOther {
		t.Fatalf("duplicate: %d", res.status)
	}
	mustContain(t, m.get(res.header.Get("Location")).body, "Copy of Team roofs 2")
	if res := m.post(path+"/delete", url.Values{}); res.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.status)
	}
	if res := m.get(path); res.status != http.StatusNotFound {
		t.Errorf("a deleted report: %d", res.status)
	}
	// The examples run.
	for _, name := range []string{"Active leads and opportunities", "Sales funnel by lead source"} {
		id := scalar[int64](t, f.app, f.admin, `SELECT id FROM saved_reports WHERE name = $1`, name)
		if res := m.get(savedPath(id)); res.status != http.StatusOK {
			t.Errorf("example %s: %d", name, res.status)
		}
	}
}

// countNotActive counts u's projects that are not active.
func countNotActive(t *testing.T, f *reportsFixture, u crm.User) int {
	return int(scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects WHERE owner_id = $1 AND NOT (phase = 'open' AND active_from <= now())`, u.ID))
}

// TestBuilderSummaryCap: a summary by a dimension with more values than a
// summary shows lists the largest groups (for periods, the latest), adds
// the rest up in one Other group that drills down to exactly its projects,
// says so, and keeps the totals of every project; a two-dimension pivot
// caps its columns the same way.
func TestBuilderSummaryCap(t *testing.T) {
	t.Parallel()
	f := newReportsFixture(t, Config{})
	now := time.Now()
	n := postgres.SummaryRowLimit + 7
	f.referred(t, n)
	c := f.app.client()
	c.login(f.admin)
	total := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects`)
	def := url.Values{"kind": {"summary"}, "dim1": {"referrer"}, "m": {"count"}}
	page := c.get("/reports/new?" + def.Encode())
	mustStatus(t, page, http.StatusOK, "capped summary")
	mustContain(t, page.body, `id="builder-note"`, "too many values", "Other")
	recs := reportCSVRecords(t, c, "/reports/new.csv?"+def.Encode())
	byLabel := map[string]int64{}
	for _, r := range recs[1 : len(recs)-1] {
		byLabel[r[0]], _ = strconv.ParseInt(r[1], 10, 64)
	}
	// 50 referrers, the projects without one, and Other.
	if len(byLabel) != postgres.SummaryRowLimit+2 {
		t.Fatalf("%d rows, want %d: %v", len(byLabel), postgres.SummaryRowLimit+2, byLabel)
	}
	if byLabel["Ref big"] != 3 {
		t.Errorf("the largest group is not kept: %v", byLabel)
	}
	var sum int64
	for _, v := range byLabel {
		sum += v
	}
	if last, _ := strconv.ParseInt(recs[len(recs)-1][1], 10, 64); last != total || sum != total {
		t.Errorf("rows add up to %d, total row %d, tenant has %d", sum, last, total)
	}
	other := byLabel["Other"]
	if other != int64(n-3-(postgres.SummaryRowLimit-1)) {
		t.Errorf("Other counts %d", other)
	}
	m := regexp.MustCompile(`<th scope="row">Other</th><td class="num"><a href="([^"]+)">`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no drill-down from Other:\n%s", page.body)
	}
	u, _ := url.Parse(html.UnescapeString(m[1]))
	_, rows := builderCSVRows(t, c, u.Query())
	if int64(len(rows)) != other {
		t.Errorf("Other shows %d, its list has %d", other, len(rows))
	}
	// A dimension that is not capped has no others.
	if _, none := builderCSVRows(t, c, url.Values{"g1": {"owner"}, "g1o": {"1"}}); len(none) != 0 {
		t.Errorf("the others of owner (not capped) list %d projects", len(none))
	}
	drill := c.get(html.UnescapeString(m[1]))
	mustStatus(t, drill, http.StatusOK, "Other's list")
	mustContain(t, drill.body, `id="builder-drill"`, "Other")

	// A median does not add up from the groups' parts: its summary reads
	// the projects themselves, and keeps and counts the same groups.
	withMedian := url.Values{"kind": {"summary"}, "dim1": {"referrer"}, "m": {"count,value_median"}}
	for _, r := range reportCSVRecords(t, c, "/reports/new.csv?"+withMedian.Encode())[1:] {
		if want, ok := byLabel[r[0]]; (ok || r[0] != "Total") && r[1] != strconv.FormatInt(want, 10) {
			t.Errorf("with a median, %q counts %s, without %d", r[0], r[1], want)
		}
	}
	// A summary of a drilled Other group: the others, summed by owner.
	ofOther := url.Values{"kind": {"summary"}, "dim1": {"owner"}, "m": {"count"}, "g1": {"referrer"}, "g1o": {"1"}}
	recs = reportCSVRecords(t, c, "/reports/new.csv?"+ofOther.Encode())
	if last := recs[len(recs)-1]; last[1] != strconv.FormatInt(other, 10) {
		t.Errorf("the summary of Other totals %v, Other counts %d", last, other)
	}

	// Referrer × created week: 50 rows and the 20 latest weeks as columns.
	def = url.Values{"kind": {"summary"}, "dim1": {"referrer"}, "dim2": {"created_week"}, "m": {"count"}}
	recs = reportCSVRecords(t, c, "/reports/new.csv?"+def.Encode())
	head := recs[0]
	if len(head) != 1+postgres.SummaryColumnLimit+1+1 || head[len(head)-2] != "Other" {
		t.Fatalf("head %v", head)
	}
	weeks := head[1 : 1+postgres.SummaryColumnLimit]
	if !sort.StringsAreSorted(weeks) || weeks[len(weeks)-1] < now.AddDate(0, 0, -7).Format(time.DateOnly) {
		t.Errorf("the kept weeks are not the latest: %v", weeks)
	}
	foot := recs[len(recs)-1]
	var cols int64
	for _, v := range foot[1 : len(foot)-1] {
		x, _ := strconv.ParseInt(v, 10, 64)
		cols += x
	}
	if g, _ := strconv.ParseInt(foot[len(foot)-1], 10, 64); g != total || cols != total {
		t.Errorf("columns add up to %d, grand total %d, tenant has %d", cols, g, total)
	}
}

// referred adds n projects a week apart, each from its own referrer but
// the three oldest, which share the largest referrer group ("Ref big").
func (f *reportsFixture) referred(t *testing.T, n int) {
	t.Helper()
	now := time.Now()
	for i := range n {
		id := f.app.project(t, f.sam, fmt.Sprintf("Referred %02d", i), now.AddDate(0, 0, -7*i))
		ref := fmt.Sprintf("Ref %02d", i)
		if i >= n-3 {
			ref = "Ref big"
		}
		f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE projects SET referrer = $3 WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id, ref)
			return err
		})
	}
}
