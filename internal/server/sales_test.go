package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
	"github.com/pipewell/pipewell/internal/postgres"
)

// salesFixture is a tenant with an admin, a manager, two reps and projects.
type salesFixture struct {
	app                *testApp
	admin, mgr, r1, r2 crm.User
}

type projectSpec struct {
	title, customer string
	owner           crm.User
	state           string
	value           int64
	created         time.Time
	completions     int // how many milestones completed, in order, a day apart from creation
	lateTask        bool
}

// addProject writes a project and its history with the bulk load (its
// derived data computed as it is written), as an import would.
func addProject(t *testing.T, db *pgtest.DB, p projectSpec) crm.ProjectID {
	t.Helper()
	ctx := context.Background()
	if p.state == "" {
		p.state = "active"
	}
	if p.created.IsZero() {
		p.created = time.Now().Add(-time.Hour)
	}
	if p.customer == "" {
		p.customer = p.title + " household"
	}
	var id crm.ProjectID
	err := db.InTenant(ctx, p.owner.TenantID, func(tx *postgres.Tx) error {
		ids, err := tx.ReserveIDs(ctx, "accounts", 1)
		if err != nil {
			return err
		}
		pids, err := tx.ReserveIDs(ctx, "projects", 1)
		if err != nil {
			return err
		}
		setup, err := tx.Setup(ctx)
		if err != nil {
			return err
		}
		id = crm.ProjectID(pids[0])
		pr := crm.Project{ID: id, Title: p.title, AccountID: ids[0], OwnerID: p.owner.ID, State: crm.State(p.state),
			Value: p.value, CreatedAt: p.created, Forecast: crm.ForecastPipeline}
		switch pr.State {
		case crm.StateArchived:
			pr.ArchiveReasonID, pr.ArchivedAt = setup.Choices.Reasons[0], time.Now()
		case crm.StateDeferred:
			pr.DeferUntil = crm.DateOf(time.Now().AddDate(0, 1, 0))
		case crm.StateSold:
			pr.SoldAt = p.created.Add(time.Hour)
		}
		for i, d := range crm.Process(setup.Defs)[:p.completions] {
			pr.Completions = append(pr.Completions, crm.Completion{MilestoneID: d.ID, At: p.created.Add(time.Duration(i+1) * time.Minute)})
		}
		if p.lateTask {
			pr.Subtasks = append(pr.Subtasks, crm.Subtask{Title: "Call back", Due: crm.DateOf(time.Now().AddDate(0, 0, -3))})
		}
		return tx.LoadRows(ctx, postgres.Load{Accounts: []crm.Account{{ID: ids[0], Name: p.customer}}, Projects: []crm.Project{pr}})
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func newSalesFixture(t *testing.T) *salesFixture {
	t.Helper()
	app := newTestApp(t, Config{})
	f := &salesFixture{app: app}
	f.admin = app.db.Tenant(t, "Sunny Roofs")
	f.mgr = app.db.User(t, f.admin, crm.RoleManager, "Mona Manager")
	f.r1 = app.db.User(t, f.admin, crm.RoleSales, "Rhea Rep")
	f.r2 = app.db.User(t, f.admin, crm.RoleSales, "Rolf Rep")
	day := 24 * time.Hour
	now := time.Now()
	addProject(t, app.db, projectSpec{title: "Alpha rooftop", customer: "Zed Zimmer", owner: f.r1, value: 500000, created: now.Add(-10 * day), completions: 2})
	addProject(t, app.db, projectSpec{title: "Bravo battery", customer: "Yara Young", owner: f.r1, value: 100000, created: now.Add(-2 * day), completions: 1, lateTask: true})
	addProject(t, app.db, projectSpec{title: "Charlie carport", customer: "Xavier Xu", owner: f.r2, value: 900000, created: now.Add(-1 * day), completions: 1})
	addProject(t, app.db, projectSpec{title: "Delta deferred", owner: f.r2, state: "deferred", created: now.Add(-20 * day), completions: 2})
	addProject(t, app.db, projectSpec{title: "Echo archived", owner: f.r1, state: "archived", created: now.Add(-30 * day), completions: 1})
	return f
}

func (f *salesFixture) as(u crm.User) *client {
	c := f.app.client()
	c.login(u)
	return c
}

var rowTitle = regexp.MustCompile(`<tr id="p-\d+"[^>]*>.*?<a href="/projects/\d+">([^<]+)</a>`)

// titles lists the project titles of a Sales screen page, in order.
func titles(body string) []string {
	var out []string
	for _, m := range rowTitle.FindAllStringSubmatch(strings.ReplaceAll(body, "\n", " "), -1) {
		out = append(out, m[1])
	}
	return out
}

func TestSalesScreenViewsFiltersSorts(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	admin := f.as(f.admin)
	var ms []int64
	_ = f.app.db.Any.InTenant(context.Background(), f.admin.TenantID, func(tx *postgres.Tx) error {
		m, err := tx.MilestoneDefs(context.Background())
		for _, x := range m {
			ms = append(ms, int64(x.ID))
		}
		return err
	})
	cases := []struct {
		query string
		want  string // titles in order, comma-separated
	}{
		{"", "Charlie carport,Bravo battery,Alpha rooftop"},
		{"view=deferred", "Delta deferred"},
		{"view=archived", "Echo archived"},
		{"owner=" + fmt.Sprint(f.r2.ID), "Charlie carport"},
		{"late=1", "Bravo battery"},
		{"q=zimm", "Alpha rooftop"},
		{"q=BATTERY", "Bravo battery"},
		{"vmin=2000&vmax=6000", "Alpha rooftop"},
		{"from=" + time.Now().AddDate(0, 0, -3).Format(time.DateOnly), "Charlie carport,Bravo battery"},
		{"to=" + time.Now().AddDate(0, 0, -5).Format(time.DateOnly), "Alpha rooftop"},
		{fmt.Sprintf("pending=%d", ms[1]), "Charlie carport,Bravo battery"},
		{fmt.Sprintf("last=%d", ms[1]), "Alpha rooftop"},
		{"sort=title&dir=asc", "Alpha rooftop,Bravo battery,Charlie carport"},
		{"sort=title&dir=desc", "Charlie carport,Bravo battery,Alpha rooftop"},
		{"sort=customer&dir=asc", "Charlie carport,Bravo battery,Alpha rooftop"},
		{"sort=value&dir=desc", "Charlie carport,Alpha rooftop,Bravo battery"},
		{"sort=value&dir=asc", "Bravo battery,Alpha rooftop,Charlie carport"},
		{"sort=created&dir=asc", "Alpha rooftop,Bravo battery,Charlie carport"},
		{"sort=owner&dir=desc", "Charlie carport,Bravo battery,Alpha rooftop"},
		{"sort=last&dir=asc", "Alpha rooftop,Bravo battery,Charlie carport"},
		{"sort=pending&dir=asc", "Bravo battery,Charlie carport,Alpha rooftop"},
		{"sort=status&dir=asc", "Alpha rooftop,Bravo battery,Charlie carport"},
	}
	for _, c := range cases {
		res := admin.get("/?" + c.query)
		if res.status != http.StatusOK {
			t.Fatalf("%s: status %d", c.query, res.status)
		}
		if got := strings.Join(titles(res.body), ","); got != c.want {
			t.Errorf("%q: got %s, want %s", c.query, got, c.want)
		}
	}
}

func TestSalesScreenBadInput(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	admin := f.as(f.admin)
	for _, q := range []string{"owner=abc", "sort=password", "dir=sideways", "view=won", "from=2024-13-40", "vmin=-5", "q=a", "late=maybe", "pending=-1", "q=%00%01x"} {
		res := admin.get("/?" + q)
		if res.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200 with a notice", q, res.status)
		}
		mustContain(t, res.body, `class="notice"`, "Charlie carport")
	}
	// A search too short to run stays in the box, with the reason.
	mustContain(t, admin.get("/?q=C").body, "Type at least 2 characters to search.", `name="q" type="search" value="C"`)
	// Two characters are enough.
	if got := strings.Join(titles(admin.get("/?q=ch").body), ","); got != "Charlie carport" {
		t.Errorf("q=ch finds %q", got)
	}
	for _, cur := range []string{"garbage", "Y3JlYXRlZHxkfDF8eA", url.QueryEscape("dGl0bGV8YXwxfEE")} {
		if res := admin.get("/?after=" + cur); res.status != http.StatusBadRequest {
			t.Errorf("cursor %s: status %d, want 400", cur, res.status)
		}
	}
}

func TestSalesScreenVisibility(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	rep := f.as(f.r1)
	for _, q := range []string{"", "owner=" + fmt.Sprint(f.r2.ID), "q=charlie", "view=deferred", "sort=value&dir=desc", "late=1"} {
		res := rep.get("/?" + q)
		mustNotContain(t, res.body, "Charlie carport", "Delta deferred")
	}
	res := rep.get("/?view=active")
	if got := strings.Join(titles(res.body), ","); got != "Bravo battery,Alpha rooftop" {
		t.Errorf("rep sees %s", got)
	}
	mustContain(t, res.body, "Projects: 2")
	mustNotContain(t, res.body, `action="/bulk"`)
	// Another tenant sees none of it.
	other := f.app.db.Tenant(t, "Other Co")
	oc := f.as(other)
	mustNotContain(t, oc.get("/").body, "Alpha rooftop", "Bravo battery")
}

func TestSalesScreenRemembersLastView(t *testing.T) {
	t.Parallel()
	f := newSalesFixture(t)
	admin := f.as(f.admin)
	admin.get("/?view=archived")
	if got := titles(admin.get("/").body); strings.Join(got, ",") != "Echo archived" {
		t.Errorf("after using the archived view, / shows %v", got)
	}
}

// TestSalesKeysetWalk: paging by cursor visits every project exactly once,
// for several sorts, while new projects are inserted between pages.
func TestSalesKeysetWalk(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Paging Power")
	ctx := context.Background()
	err := app.db.Any.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
		// Rows by multi-row VALUES (an INSERT ... SELECT is not routed to
		// one shard on Citus).
		now := time.Now()
		for g := 1; g <= 130; g++ {
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO accounts (tenant_id, name) VALUES ($1, $2) RETURNING id`, tx.Tenant, fmt.Sprintf("Cust %d", g%17)).Scan(&id)
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO projects (tenant_id, title, account_id, owner_id, value_cents, created_at)
					VALUES ($1, $2, $3, $4, $5, $6)`, tx.Tenant, fmt.Sprintf("P %d", id%9), id, admin.ID, (id%5)*1000,
					now.Add(-time.Duration(id%7)*24*time.Hour))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := app.client()
	c.login(admin)
	idRe := regexp.MustCompile(`<tr id="p-(\d+)"`)
	nextRe := regexp.MustCompile(`<a href="(/\?[^"]+)" rel="next"`)
	for _, sort := range []string{"sort=created&dir=desc", "sort=title&dir=asc", "sort=customer&dir=desc", "sort=value&dir=asc", "sort=pending&dir=asc", "sort=last&dir=desc"} {
		seen := map[string]int{}
		path := "/?" + sort
		pages := 0
		for path != "" {
			res := c.get(path)
			if res.status != 200 {
				t.Fatalf("%s: %d", path, res.status)
			}
			for _, m := range idRe.FindAllStringSubmatch(res.body, -1) {
				seen[m[1]]++
			}
			path = ""
			if m := nextRe.FindStringSubmatch(res.body); m != nil {
				path = strings.ReplaceAll(m[1], "&amp;", "&")
			}
			pages++
			// A new project between pages: it may or may not be shown, but
			// nothing shown before is shown again and nothing is skipped.
			addProject(t, app.db, projectSpec{title: fmt.Sprintf("Inserted %d", pages), owner: admin})
		}
		var dup []string
		n := 0
		for id, k := range seen {
			if k > 1 {
				dup = append(dup, id)
			}
			if id != "" {
				n++
			}
		}
		if len(dup) > 0 || pages < 3 {
			t.Errorf("%s: %d pages, duplicates %v", sort, pages, dup)
		}
		var before int
		_ = app.db.Any.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM projects WHERE tenant_id = $1 AND title NOT LIKE 'Inserted%'`, tx.Tenant).Scan(&before)
		})
		missing := 0
		_ = app.db.Any.InTenant(ctx, admin.TenantID, func(tx *postgres.Tx) error {
			rows, _ := tx.Query(ctx, `SELECT id::text FROM projects WHERE tenant_id = $1 AND title NOT LIKE 'Inserted%'`, tx.Tenant)
			defer rows.Close()
			for rows.Next() {
				var id string
				_ = rows.Scan(&id)
				if seen[id] == 0 {
					missing++
				}
			}
			return nil
		})
		if missing > 0 || before != 130 {
			t.Errorf("%s: %d of %d original projects never shown", sort, missing, before)
		}
	}
}
