package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// Every /admin route: admins reach it, managers and salespeople get 403,
// anonymous users are sent to log in.
func TestAdminRoutesByRole(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	manager := app.db.User(t, admin, crm.RoleManager, "Mona")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	m := milestoneID(t, app, admin, "Proposed")
	wg := scalar[int64](t, app, admin, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, admin.TenantID)
	repl := strings.NewReplacer("{id}", strconv.FormatInt(m, 10), "{list}", "statuses", "{userID}", strconv.FormatInt(int64(sales.ID), 10))
	var routes []string
	for key, access := range accessTable {
		if access == Admin {
			routes = append(routes, key)
		}
	}
	if len(routes) < 30 {
		t.Fatalf("only %d admin routes", len(routes))
	}
	ca, cm, cs, anon := app.client(), app.client(), app.client(), app.client()
	ca.login(admin)
	cm.login(manager)
	cs.login(sales)
	for _, key := range routes {
		method, pattern, _ := strings.Cut(key, " ")
		path := repl.Replace(pattern)
		if strings.HasPrefix(pattern, "/admin/workgroups/{id}") {
			path = strings.Replace(strings.Replace(pattern, "{id}", strconv.FormatInt(wg, 10), 1), "{userID}", strconv.FormatInt(int64(sales.ID), 10), 1)
		}
		for _, c := range []*client{cm, cs} {
			var res response
			if method == "GET" {
				res = c.get(path)
			} else {
				res = c.post(path, url.Values{"name": {"x"}})
			}
			if res.status != http.StatusForbidden {
				t.Errorf("%s %s as non-admin: %d, want 403", method, path, res.status)
			}
		}
		var res response
		if method == "GET" {
			res = anon.get(path)
		} else {
			res = anon.post(path, nil)
		}
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
			t.Errorf("%s %s anonymous: %d → %s", method, path, res.status, res.header.Get("Location"))
		}
		if method == "GET" {
			want := http.StatusOK
			if pattern == "/admin" {
				want = http.StatusSeeOther
			}
			if res := ca.get(path); res.status != want {
				t.Errorf("GET %s as admin: %d, want %d", path, res.status, want)
			}
		}
	}
	// Nothing was changed by the refused requests.
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM audit_log`); n != 0 {
		t.Errorf("refused requests left %d audit entries", n)
	}
	// The navigation offers Admin to admins only, My account to everyone.
	mustContain(t, ca.get("/account").body, `href="/admin"`, `href="/account"`)
	home := cs.get("/")
	mustContain(t, home.body, `href="/account"`)
	mustNotContain(t, home.body, `href="/admin"`)
}

// IDs of another tenant are 404 on every route that takes one.
func TestAdminOtherTenantIDs(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	other := app.db.Tenant(t, "Other")
	otherSales := app.db.User(t, other, crm.RoleSales, "Olga")
	om := milestoneID(t, app, other, "Proposed")
	os := scalar[int64](t, app, other, `SELECT id FROM lead_sources ORDER BY id LIMIT 1`)
	ow := scalar[int64](t, app, other, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'South') RETURNING id`, other.TenantID)
	mw := scalar[int64](t, app, admin, `INSERT INTO workgroups (tenant_id, name) VALUES ($1, 'North') RETURNING id`, admin.TenantID)
	c := app.client()
	c.login(admin)
	mid, sid, uid, wid := strconv.FormatInt(om, 10), strconv.FormatInt(os, 10), strconv.FormatInt(int64(otherSales.ID), 10), strconv.FormatInt(ow, 10)
	gets := []string{"/admin/milestones/" + mid, "/admin/users/" + uid, "/admin/workgroups/" + wid,
		"/admin/milestones/abc", "/admin/milestones/-1", "/admin/lists/nonsense", "/admin/users/99999999"}
	for _, p := range gets {
		if res := c.get(p); res.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.status)
		}
	}
	posts := map[string]url.Values{
		"/admin/milestones/" + mid:                                 {"name": {"Hijack"}, "probability": {"10"}},
		"/admin/milestones/" + mid + "/move":                       {"dir": {"up"}},
		"/admin/milestones/" + mid + "/active":                     {"active": {"0"}},
		"/admin/milestones/" + mid + "/delete":                     nil,
		"/admin/lists/sources/" + sid:                              {"name": {"Hijack"}},
		"/admin/lists/sources/" + sid + "/move":                    {"dir": {"down"}},
		"/admin/lists/sources/" + sid + "/active":                  {"active": {"0"}},
		"/admin/lists/nonsense":                                    {"new_name": {"x"}},
		"/admin/users/" + uid + "/role":                            {"role": {"admin"}},
		"/admin/users/" + uid + "/active":                          {"active": {"0"}},
		"/admin/users/" + uid + "/link":                            nil,
		"/admin/workgroups/" + wid:                                 {"name": {"Hijack"}},
		"/admin/workgroups/" + wid + "/members":                    {"user_id": {strconv.FormatInt(int64(admin.ID), 10)}},
		"/admin/workgroups/" + wid + "/members/" + uid + "/remove": nil,
		// Our workgroup, their user.
		"/admin/workgroups/" + strconv.FormatInt(mw, 10) + "/members": {"user_id": {uid}},
		"/admin/milestones/order":                                     {"order": {mid}},
	}
	for p, form := range posts {
		if res := c.post(p, form); res.status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, res.status)
		}
	}
	// The other tenant is untouched.
	if n := scalar[string](t, app, other, `SELECT name FROM milestone_defs WHERE id = $1`, om); n != "Proposed" {
		t.Errorf("other tenant's milestone renamed to %q", n)
	}
	if r := scalar[string](t, app, other, `SELECT role FROM users WHERE id = $1`, otherSales.ID); r != "sales" {
		t.Errorf("other tenant's user role = %s", r)
	}
	if n := scalar[int64](t, app, other, `SELECT count(*) FROM audit_log`); n != 0 {
		t.Errorf("other tenant has %d audit entries", n)
	}
}

func milestoneNames(t *testing.T, app *testApp, u crm.User) string {
	t.Helper()
	var names []string
	app.sql(t, u, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name FROM milestone_defs WHERE tenant_id = $1 ORDER BY position`, u.TenantID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			names = append(names, n)
		}
		return rows.Err()
	})
	return strings.Join(names, " → ")
}

func siteSurvey(after int64) url.Values {
	return url.Values{"after": {strconv.FormatInt(after, 10)}, "name": {"Site survey"},
		"criteria": {"Roof measured and photographed."}, "deadline_days": {"3"}, "deadline_from": {"previous"},
		"probability": {"40"}, "event_title": {"Site visit"}, "event_days": {"2"}, "apply": {"not_reached"}}
}

func TestMilestoneCreateBetween(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	res := c.post("/admin/milestones", siteSurvey(milestoneID(t, app, admin, "Lead qualified")))
	mustStatus(t, res, http.StatusSeeOther, "create")
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Site survey → Proposed → Sold" {
		t.Fatalf("order = %s", got)
	}
	var days, prob, eventDays int
	var from, title string
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT deadline_days, deadline_from, probability, event_title, event_days FROM milestone_defs WHERE name = 'Site survey'`).
			Scan(&days, &from, &prob, &title, &eventDays)
	})
	if days != 3 || from != "previous" || prob != 40 || title != "Site visit" || eventDays != 2 {
		t.Fatalf("stored %d %s %d %q %d", days, from, prob, title, eventDays)
	}
	page := c.get("/admin/milestones")
	mustContain(t, page.body, "The milestone is added.", "Site survey", "3 days after the previous milestone", "40 %", "Site visit")
	audit := c.get("/admin/audit?entity=milestone")
	mustContain(t, audit.body, "Site survey, #3, 40%, 3d from previous, event Site visit +2d", "<strong>Site survey</strong>")
}

func TestMilestoneBadInput(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	good := siteSurvey(0)
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range good {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	cases := []struct {
		name, field, message string
		form                 url.Values
	}{
		{"empty name", "name", "This field is required.", with("name", " ")},
		{"long name", "name", "This is too long: at most 100 characters.", with("name", strings.Repeat("n", 101))},
		{"taken name", "name", "already in the list", with("name", "PROPOSED")},
		{"control character", "name", "not allowed", with("name", "Site\x00survey")},
		{"deadline not a number", "deadline_days", "whole number", with("deadline_days", "three")},
		{"negative deadline", "deadline_days", "from 0 to 3,650", with("deadline_days", "-1")},
		{"huge deadline", "deadline_days", "from 0 to 3,650", with("deadline_days", "99999999999999999999")},
		{"probability over 100", "probability", "from 0 to 100", with("probability", "140")},
		{"probability missing", "probability", "required", with("probability", "")},
		{"unknown anchor", "deadline_from", "out of range", with("deadline_from", "yesterday")},
		{"event without days", "event_days", "both a title", with("event_days", "")},
		{"days without event", "event_title", "both a title", with("event_title", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post("/admin/milestones", tc.form)
			must422(t, res, tc.field, tc.message)
			// The rest of the input is kept.
			for _, k := range []string{"name", "deadline_days", "probability", "event_title"} {
				if k != tc.field && tc.form.Get(k) != "" && !strings.ContainsAny(tc.form.Get(k), "\x00") {
					mustContain(t, res.body, `value="`+htmlEscape(tc.form.Get(k))+`"`)
				}
			}
		})
	}
	// The same on the edit form.
	id := milestoneID(t, app, admin, "Proposed")
	res := c.post(fmt.Sprintf("/admin/milestones/%d", id), with("probability", "101"))
	must422(t, res, "probability", "from 0 to 100", `value="101"`, `value="Site survey"`)
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Proposed → Sold" {
		t.Fatalf("a failed form changed the process: %s", got)
	}
}

// One won milestone, at most one qualifying; the won one cannot be unflagged,
// deactivated or deleted.
func TestMilestoneFlagInvariants(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	sold := milestoneID(t, app, admin, "Sold")
	edit := func(id int64, f url.Values) response {
		return c.post(fmt.Sprintf("/admin/milestones/%d", id), f)
	}
	base := url.Values{"name": {"Sold"}, "probability": {"100"}, "deadline_days": {"30"}}
	must422(t, edit(sold, base), "won", "exactly one won milestone")
	must422(t, c.post(fmt.Sprintf("/admin/milestones/%d/active", sold), url.Values{"active": {"0"}}), "", "must be active")
	must422(t, c.post(fmt.Sprintf("/admin/milestones/%d/delete", sold), nil), "", "exactly one won")
	// A new milestone flagged won and qualifying takes both flags.
	f := siteSurvey(0)
	f.Set("name", "Installed")
	f.Set("won", "1")
	f.Set("qualifying", "1")
	mustStatus(t, c.post("/admin/milestones", f), http.StatusSeeOther, "create won")
	installed := milestoneID(t, app, admin, "Installed")
	won := scalar[int64](t, app, admin, `SELECT count(*) FROM milestone_defs WHERE won`)
	qual := scalar[int64](t, app, admin, `SELECT id FROM milestone_defs WHERE qualifying`)
	wonID := scalar[int64](t, app, admin, `SELECT id FROM milestone_defs WHERE won`)
	if won != 1 || wonID != installed || qual != installed {
		t.Fatalf("won count %d, won %d, qualifying %d; want both on %d", won, wonID, qual, installed)
	}
	// The move is audited.
	mustContain(t, c.get("/admin/audit").body, "won")
	// Sold can now be deactivated (it is no longer won), and an inactive one cannot be flagged won.
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d/active", sold), url.Values{"active": {"0"}, "confirm": {"1"}}), http.StatusSeeOther, "deactivate")
	base.Set("won", "1")
	must422(t, edit(sold, base), "won", "must be active")
}

// Reordering, editing and deactivating never touch completions; a milestone
// with completions is never deleted.
func TestMilestoneChangesKeepHistory(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	created := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	qualified := milestoneID(t, app, admin, "Lead qualified")
	proposed := milestoneID(t, app, admin, "Proposed")
	p1 := app.project(t, sales, "Roof A", created)
	app.complete(t, sales, p1, qualified, created.Add(26*time.Hour))
	app.project(t, sales, "Roof B", created)
	app.project(t, sales, "Roof C", created)
	snapshot := func() string {
		var b strings.Builder
		app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
			rows, err := tx.Query(ctx, `SELECT project_id, milestone_id, completed_at, completed_by FROM milestone_completions ORDER BY 1, 2`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var p, m, by int64
				var at time.Time
				_ = rows.Scan(&p, &m, &at, &by)
				fmt.Fprintf(&b, "%d/%d/%s/%d;", p, m, at.UTC().Format(time.RFC3339), by)
			}
			return rows.Err()
		})
		return b.String()
	}
	before := snapshot()
	c := app.client()
	c.login(admin)
	// Pending now: two projects on Lead qualified, one on Proposed.
	page := c.get("/admin/milestones")
	mustContain(t, page.body, `<td class="num pending">2</td>`, `<td class="num pending">1</td>`)

	ids := func(names ...string) string {
		var s []string
		for _, n := range names {
			s = append(s, strconv.FormatInt(milestoneID(t, app, admin, n), 10))
		}
		return strings.Join(s, ",")
	}
	mustStatus(t, c.post("/admin/milestones/order", url.Values{"order": {ids("Lead created", "Proposed", "Lead qualified", "Sold")}}),
		http.StatusSeeOther, "reorder")
	if got := milestoneNames(t, app, admin); got != "Lead created → Proposed → Lead qualified → Sold" {
		t.Fatalf("after reorder: %s", got)
	}
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d/move", proposed), url.Values{"dir": {"down"}}), http.StatusSeeOther, "move")
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Proposed → Sold" {
		t.Fatalf("after move: %s", got)
	}
	// A bad order (missing one, duplicates) is refused.
	must422(t, c.post("/admin/milestones/order", url.Values{"order": {ids("Lead created", "Proposed", "Sold")}}), "", "exactly once")
	must422(t, c.post("/admin/milestones/order", url.Values{"order": {ids("Lead created", "Proposed", "Proposed", "Sold")}}), "", "exactly once")
	mustStatus(t, c.post("/admin/milestones/order", url.Values{"order": {"1,x"}}), http.StatusBadRequest, "garbage order")
	// Edit every field of a completed milestone.
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d", qualified), url.Values{"name": {"Qualified"}, "criteria": {"Budget known."},
		"deadline_days": {"5"}, "deadline_from": {"created"}, "probability": {"30"}, "qualifying": {"1"}}), http.StatusSeeOther, "edit")
	// Delete is refused once completed; deactivation works and keeps the rows.
	must422(t, c.post(fmt.Sprintf("/admin/milestones/%d/delete", qualified), nil), "", "deactivate it instead")
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d/active", qualified), url.Values{"active": {"0"}, "confirm": {"1"}}), http.StatusSeeOther, "deactivate")
	if after := snapshot(); after != before {
		t.Fatalf("completions changed:\nbefore %s\nafter  %s", before, after)
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM milestone_defs WHERE id = $1 AND NOT active`, qualified); n != 1 {
		t.Fatal("deactivated milestone missing")
	}
	// Deactivated, Qualified no longer counts as pending: all three wait on Proposed now.
	page = c.get("/admin/milestones")
	mustContain(t, page.body, `<td class="num pending">3</td>`, "inactive")
	// The changes are in the audit log with old → new.
	audit := c.get("/admin/audit?entity=milestone")
	mustContain(t, audit.body, "reorder", "Lead created → Lead qualified → Proposed → Sold", "Lead created → Proposed → Lead qualified → Sold",
		"Lead qualified", "Qualified", "deadline_from", "active")
	// An unused milestone can be deleted.
	mustStatus(t, c.post("/admin/milestones", siteSurvey(0)), http.StatusSeeOther, "create")
	survey := milestoneID(t, app, admin, "Site survey")
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d/delete", survey), nil), http.StatusSeeOther, "delete unused")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM milestone_defs WHERE id = $1`, survey); n != 0 {
		t.Fatal("unused milestone not deleted")
	}
}

// TestNewMilestoneAsksFirst: adding a milestone while open projects would
// get it as their next step first shows how many, for each choice, with the
// input kept; nothing is saved until the admin confirms; then it applies as
// chosen (a project past it skips it).
func TestNewMilestoneAsksFirst(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	rep := app.db.User(t, admin, crm.RoleSales, "Rita Rep")
	qualified := milestoneID(t, app, admin, "Lead qualified")
	proposedID := milestoneID(t, app, admin, "Proposed")
	created := time.Now().Add(-2 * time.Hour)
	waiting := app.project(t, rep, "Waiting for survey", created)
	app.complete(t, rep, waiting, qualified, created.Add(time.Hour))
	past := app.project(t, rep, "Already proposed", created)
	app.complete(t, rep, past, proposedID, created.Add(time.Hour))
	c := app.client()
	c.login(admin)

	f := siteSurvey(qualified)
	res := c.post("/admin/milestones", f)
	if res.status != http.StatusOK {
		t.Fatalf("first post: %d, want the preview", res.status)
	}
	mustContain(t, res.body, `id="milestone-preview"`, "Open projects that have completed every milestone before it: 2.",
		"it becomes the next step of 1; 1 skip it", `name="confirm" value="1"`, "Roof measured and photographed.</textarea>")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM milestone_defs WHERE name = 'Site survey'`); n != 0 {
		t.Fatalf("saved before confirming")
	}
	f.Set("confirm", "1")
	mustStatus(t, c.post("/admin/milestones", f), http.StatusSeeOther, "confirmed")
	survey := milestoneID(t, app, admin, "Site survey")
	for id, want := range map[int64]int64{waiting: survey, past: milestoneID(t, app, admin, "Sold")} {
		if got := scalar[int64](t, app, admin, `SELECT pending_milestone_id FROM projects WHERE id = $1`, id); got != want {
			t.Errorf("project %d pending %d, want %d", id, got, want)
		}
	}
}

// TestDeactivateMilestoneConfirms: deactivating a milestone first says what
// it changes (its open projects' next step, for the first milestone the
// next one's deadline from creation, its completions no longer counted) and
// changes nothing until confirmed.
func TestDeactivateMilestoneConfirms(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Confirm Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Cora Firm")
	for i := range 3 {
		app.project(t, rep, fmt.Sprintf("Roof %d", i), time.Now().AddDate(0, 0, -1))
	}
	c := app.client()
	c.login(admin)
	qualified := milestoneID(t, app, admin, "Lead qualified")
	res := c.post(fmt.Sprintf("/admin/milestones/%d/active", qualified), url.Values{"active": {"0"}})
	mustStatus(t, res, http.StatusOK, "deactivate without confirm")
	mustContain(t, res.body, "Deactivate “Lead qualified”?", "3 open projects are pending on it now: their next step becomes “Proposed”.",
		`name="confirm" value="1"`, "no longer count")
	mustNotContain(t, res.body, "It is the first milestone")
	if got := milestoneNames(t, app, admin); got != "Lead created → Lead qualified → Proposed → Sold" {
		t.Fatalf("asking changed the process: %s", got)
	}
	first := milestoneID(t, app, admin, "Lead created")
	res = c.post(fmt.Sprintf("/admin/milestones/%d/active", first), url.Values{"active": {"0"}})
	mustStatus(t, res, http.StatusOK, "deactivate the first")
	mustContain(t, res.body, "Deactivate “Lead created”?", "It is the first milestone: the deadline of “Lead qualified” will count from each project")
	mustStatus(t, c.post(fmt.Sprintf("/admin/milestones/%d/active", qualified), url.Values{"active": {"0"}, "confirm": {"1"}}), http.StatusSeeOther, "confirmed")
	res = c.get("/admin/milestones")
	mustContain(t, res.body, "Lead qualified</a> <span class=\"tag\">")
}
