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
	"github.com/pipewell/pipewell/internal/postgres"
)

// projectFixture: a tenant with an admin, two reps and one lead owned by rep
// A; a second tenant with its own lead.
type projectFixture struct {
	app               *testApp
	admin, repA, repB crm.User
	project           crm.ProjectID
	defs              []crm.MilestoneDef
	other             crm.ProjectID
	otherAdmin        crm.User
}

func newProjectFixture(t *testing.T) *projectFixture {
	t.Helper()
	app := newTestApp(t, Config{})
	f := &projectFixture{app: app}
	f.admin = app.db.Tenant(t, "Sunny")
	f.repA = app.db.User(t, f.admin, crm.RoleSales, "Ann Rep")
	f.repB = app.db.User(t, f.admin, crm.RoleSales, "Bob Rep")
	f.project = f.lead(t, f.repA, "Roof for Miller")
	f.otherAdmin = app.db.Tenant(t, "Other")
	f.other = f.lead(t, f.otherAdmin, "Other tenant deal")
	names, defs, err := app.db.PickLists(context.Background(), f.admin.TenantID)
	if err != nil || len(names.Reasons) == 0 {
		t.Fatal(err)
	}
	f.defs = crm.Process(defs)
	return f
}

func (f *projectFixture) lead(t *testing.T, owner crm.User, title string) crm.ProjectID {
	t.Helper()
	a := crm.Actor{Viewer: crm.Viewer{TenantID: owner.TenantID, UserID: owner.ID, Role: owner.Role}, Now: time.Now(), Loc: time.UTC}
	return f.app.db.LeadForm(t, a, crm.LeadForm{Title: title, Account: crm.Account{Name: title + " household"},
		Contact: crm.Contact{Name: "Mia " + title, Email: fmt.Sprintf("c%d@example.com", time.Now().UnixNano())}, Value: "12,500.50"})
}

func (f *projectFixture) url(id crm.ProjectID, rest string) string {
	return fmt.Sprintf("/projects/%d%s", id, rest)
}

var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

func pageVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no version on the page")
	}
	return m[1]
}

func localNow() string { return time.Now().UTC().Format(crm.LocalTimeLayout) }

func TestWorkspaceJourney(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	ws := c.get(f.url(f.project, ""))
	if ws.status != 200 {
		t.Fatalf("workspace: %d", ws.status)
	}
	mustContain(t, ws.body, "Roof for Miller", "Lead created", "$12,500.50", "Due ")
	ver := pageVersion(t, ws.body)

	// Qualify: completes the qualifying milestone and creates its event.
	at := localNow()
	res := c.post(f.url(f.project, "/qualify"), url.Values{"version": {ver}, "completed_at": {at}, "note": {"Budget confirmed"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("qualify: %d\n%s", res.status, res.body)
	}
	// A double submit of the same completion completes it once, silently.
	qual := f.defs[1].ID
	res = c.post(f.url(f.project, fmt.Sprintf("/milestones/%d/complete", qual)), url.Values{"version": {ver}, "completed_at": {at}, "note": {"Budget confirmed"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("double submit: %d", res.status)
	}
	ws = c.get(f.url(f.project, ""))
	mustContain(t, ws.body, "Set sales appointment", "Budget confirmed")
	if n := strings.Count(ws.body, "Completed Lead qualified"); n != 1 {
		t.Fatalf("log shows %d completions of Lead qualified, want 1", n)
	}
	ver2 := pageVersion(t, ws.body)

	// Stale version: 409 with the current values and the input kept.
	res = c.post(f.url(f.project, ""), url.Values{"version": {ver}, "title": {"My new title"}, "value": {"100"}, "forecast": {"pipeline"}})
	if res.status != http.StatusConflict {
		t.Fatalf("stale save: %d", res.status)
	}
	mustContain(t, res.body, "My new title", "Roof for Miller", "Nothing was saved")

	// Bad input: 422 beside the field, input kept, nothing written.
	for _, bad := range []struct{ field, value, msg string }{
		{"value", "-5", "cannot be negative"},
		{"value", "12.345", "at most two decimals"},
		{"value", "2000000000000", "cannot exceed"},
		{"value", "abc", "Enter an amount"},
		{"expected_close", "15/03/2026", "Enter a date"},
		{"title", "", "required"},
		{"title", strings.Repeat("x", 201), "too long"},
		{"title", "bad\x01title", "not allowed"},
		{"status_id", "999999", "Choose one"},
	} {
		form := url.Values{"version": {ver2}, "title": {"Kept title"}, "value": {"10"}, "forecast": {"pipeline"}}
		form.Set(bad.field, bad.value)
		res = c.post(f.url(f.project, ""), form)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s=%q: %d", bad.field, bad.value, res.status)
		}
		mustContain(t, res.body, bad.msg, `id="`+bad.field+`-error"`)
		if bad.field != "title" {
			mustContain(t, res.body, "Kept title")
		}
	}
	// A future completion time and an undefined milestone.
	prop := f.defs[2].ID
	res = c.post(f.url(f.project, fmt.Sprintf("/milestones/%d/complete", prop)), url.Values{"version": {ver2},
		"completed_at": {time.Now().UTC().Add(48 * time.Hour).Format(crm.LocalTimeLayout)}, "note": {"keep me"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("future completion: %d", res.status)
	}
	mustContain(t, res.body, "in the future", "keep me")
	res = c.post(f.url(f.project, "/milestones/999999/complete"), url.Values{"version": {ver2}, "completed_at": {localNow()}})
	if res.status != http.StatusNotFound {
		t.Fatalf("unknown milestone: %d", res.status)
	}

	// Complete the won milestone while Proposed is open: the question first.
	won := f.defs[3].ID
	res = c.post(f.url(f.project, fmt.Sprintf("/milestones/%d/complete", won)), url.Values{"version": {ver2}, "completed_at": {localNow()}})
	if res.status != 200 {
		t.Fatalf("earlier question: %d", res.status)
	}
	mustContain(t, res.body, "Earlier milestones are still open", fmt.Sprintf(`name="earlier_at_%d"`, prop))
	res = c.post(f.url(f.project, fmt.Sprintf("/milestones/%d/complete", won)), url.Values{"version": {ver2}, "completed_at": {localNow()},
		"earlier": {"1"}, fmt.Sprintf("earlier_at_%d", prop): {localNow()}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("complete with earlier: %d\n%s", res.status, res.body)
	}
	ws = c.get(f.url(f.project, ""))
	mustContain(t, ws.body, "state-sold", "Completed Proposed", "Completed Sold", "State: Active → Sold")
}

func TestProjectVisibilityAndTenants(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	b := f.app.client()
	b.login(f.repB)
	posts := []string{"", "/qualify", "/archive", "/defer", "/reactivate", "/reopen", "/owner", "/members", "/notes", "/events", "/subtasks",
		fmt.Sprintf("/milestones/%d/complete", f.defs[1].ID), fmt.Sprintf("/milestones/%d/undo", f.defs[0].ID), "/events/1", "/events/1/done", "/subtasks/1/done"}
	for _, who := range []struct {
		c  *client
		id crm.ProjectID
	}{{b, f.project}, {b, f.other}} {
		for _, path := range []string{"", "/log"} {
			if res := who.c.get(f.url(who.id, path)); res.status != http.StatusNotFound {
				t.Errorf("GET %s as another rep / tenant: %d", f.url(who.id, path), res.status)
			}
		}
		for _, path := range posts {
			res := who.c.post(f.url(who.id, path), url.Values{"version": {"1"}, "body": {"x"}, "reason_id": {"1"}, "title": {"x"}})
			if res.status != http.StatusNotFound {
				t.Errorf("POST %s as another rep / tenant: %d", f.url(who.id, path), res.status)
			}
		}
	}
	// An admin of the same tenant sees it; another tenant's admin does not.
	a := f.app.client()
	a.login(f.otherAdmin)
	if res := a.get(f.url(f.project, "")); res.status != http.StatusNotFound {
		t.Fatalf("other tenant's admin: %d", res.status)
	}
	if res := a.get("/accounts/1"); res.status != http.StatusNotFound && !strings.Contains(res.body, "Other tenant") {
		t.Fatalf("other tenant's account: %d", res.status)
	}
	ad := f.app.client()
	ad.login(f.admin)
	if res := ad.get(f.url(f.project, "")); res.status != 200 {
		t.Fatalf("admin: %d", res.status)
	}
	// Sales may not reassign to others: 403; to themselves is a 422 (already theirs).
	c := f.app.client()
	c.login(f.repA)
	ver := pageVersion(t, c.get(f.url(f.project, "")).body)
	res := c.post(f.url(f.project, "/owner"), url.Values{"version": {ver}, "owner_id": {fmt.Sprint(f.repB.ID)}})
	if res.status != http.StatusForbidden {
		t.Fatalf("sales reassigning to another rep: %d", res.status)
	}
	res = ad.post(f.url(f.project, "/owner"), url.Values{"version": {ver}, "owner_id": {fmt.Sprint(f.repB.ID)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("admin reassigning: %d", res.status)
	}
	// Now rep A lost it and rep B has it.
	if res := c.get(f.url(f.project, "")); res.status != http.StatusNotFound {
		t.Fatalf("former owner still sees the project: %d", res.status)
	}
	if res := b.get(f.url(f.project, "")); res.status != 200 {
		t.Fatalf("new owner: %d", res.status)
	}
}

func TestArchiveReopenDeferAndNotes(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	ver := pageVersion(t, c.get(f.url(f.project, "")).body)
	// Archive without a reason: 422, note kept.
	res := c.post(f.url(f.project, "/archive"), url.Values{"version": {ver}, "archive_note": {"went quiet"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("archive without reason: %d", res.status)
	}
	mustContain(t, res.body, "went quiet", `id="reason_id-error"`)
	names, _, _ := f.app.db.PickLists(context.Background(), f.admin.TenantID)
	reason := names.Reasons[0]
	res = c.post(f.url(f.project, "/archive"), url.Values{"version": {ver}, "reason_id": {fmt.Sprint(reason.ID)}, "archive_note": {"went quiet"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("archive: %d %s", res.status, res.body)
	}
	ws := c.get(f.url(f.project, ""))
	mustContain(t, ws.body, "Archived: "+reason.Name, "State: Active → Archived", "went quiet")
	ver = pageVersion(t, ws.body)
	// Illegal: defer an archived project.
	res = c.post(f.url(f.project, "/defer"), url.Values{"version": {ver}, "defer_until": {time.Now().AddDate(0, 1, 0).Format(crm.DateLayout)}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("defer archived: %d", res.status)
	}
	res = c.post(f.url(f.project, "/reopen"), url.Values{"version": {ver}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("reopen: %d", res.status)
	}
	ws = c.get(f.url(f.project, ""))
	mustContain(t, ws.body, "State: Archived → Active")
	ver = pageVersion(t, ws.body)
	// Defer: a past date is refused; a future one works.
	res = c.post(f.url(f.project, "/defer"), url.Values{"version": {ver}, "defer_until": {time.Now().AddDate(0, 0, -1).Format(crm.DateLayout)}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("defer to the past: %d", res.status)
	}
	mustContain(t, res.body, "after today")
	res = c.post(f.url(f.project, "/defer"), url.Values{"version": {ver}, "defer_until": {"2026-13-45"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("defer bad date: %d", res.status)
	}
	res = c.post(f.url(f.project, "/defer"), url.Values{"version": {ver}, "defer_until": {time.Now().AddDate(0, 0, 10).Format(crm.DateLayout)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("defer: %d", res.status)
	}
	mustContain(t, c.get(f.url(f.project, "")).body, "Deferred until", "state-deferred")
	// Notes: htmx answers with the log fragment; without it 303 to a local return path only.
	res = c.postRaw(f.url(f.project, "/notes"), url.Values{"body": {"Called back"}}.Encode(), http.Header{"Hx-Request": {"true"}})
	if res.status != 200 || strings.Contains(res.body, "<html") {
		t.Fatalf("htmx note: %d", res.status)
	}
	mustContain(t, res.body, "Called back")
	res = c.post(f.url(f.project, "/notes"), url.Values{"body": {"Second"}, "return": {"//evil.example/"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != f.url(f.project, "") {
		t.Fatalf("note redirect: %d %s", res.status, res.header.Get("Location"))
	}
	res = c.post(f.url(f.project, "/notes"), url.Values{"body": {"   "}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty note: %d", res.status)
	}
	// The log fragment for the Sales screen's drawer.
	res = c.postRaw(f.url(f.project, "/notes"), url.Values{"body": {"x\x00y"}}.Encode(), http.Header{"Hx-Request": {"true"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("control character note: %d", res.status)
	}
	req, _ := http.NewRequest("GET", f.app.ts.URL+f.url(f.project, "/log"), nil)
	req.Header.Set("HX-Request", "true")
	frag := c.do(req)
	if frag.status != 200 || strings.Contains(frag.body, "<html") {
		t.Fatalf("log fragment: %d", frag.status)
	}
	mustContain(t, frag.body, "Called back", "Second", "Created the lead", `class="drawer-close"`, `id="drawer-title"`)
	// A note added from the drawer answers with the log alone: the drawer's
	// title and close button stay where they are.
	res = c.postRaw(f.url(f.project, "/notes"), url.Values{"body": {"Third"}}.Encode(), http.Header{"Hx-Request": {"true"}})
	if res.status != http.StatusOK || strings.Contains(res.body, "drawer-close") {
		t.Fatalf("note from the drawer: %d", res.status)
	}
	mustContain(t, res.body, "Third", `class="note-form"`)
}

func TestNewLeadDuplicatesAndBadInput(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	if res := c.get("/projects/new"); res.status != 200 {
		t.Fatalf("new lead page: %d", res.status)
	}
	form := url.Values{"title": {"Battery for Chen"}, "account_name": {"Chen family"}, "contact_name": {"Wei Chen"},
		"contact_email": {"wei@example.com"}, "contact_phone": {"+1 555 010 2000"}, "value": {"8,000"}}
	res := c.post("/projects/new", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("new lead: %d\n%s", res.status, res.body)
	}
	// Same phone, spelled differently: warned with a link, nothing written.
	form.Set("contact_email", "")
	form.Set("contact_phone", "+15550102000")
	res = c.post("/projects/new", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate: %d", res.status)
	}
	mustContain(t, res.body, "exists already", "/contacts/", "Battery for Chen")
	form.Set("confirm_duplicate", "1")
	if res = c.post("/projects/new", form); res.status != http.StatusSeeOther {
		t.Fatalf("confirmed duplicate: %d", res.status)
	}
	// Bad input.
	for field, value := range map[string]string{"value": "1.234", "expected_close": "tomorrow", "account_name": "", "owner_id": fmt.Sprint(f.repB.ID), "source_id": "abc"} {
		bad := url.Values{"title": {"Kept lead"}, "account_name": {"Acc"}}
		bad.Set(field, value)
		res = c.post("/projects/new", bad)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s=%q: %d", field, value, res.status)
		}
		mustContain(t, res.body, "Kept lead")
		if field != "owner_id" {
			mustContain(t, res.body, `id="`+field+`-error"`)
		}
	}
	// Another tenant's account: 404.
	res = c.post("/projects/new", url.Values{"title": {"x"}, "account_id": {"999999"}})
	if res.status != http.StatusNotFound {
		t.Fatalf("foreign account: %d", res.status)
	}
}

var _ = postgres.LogLimit

// TestCompleteReturnsWhereItCameFrom: a completion posted from the board goes
// back to the board (the local path in "return"); any other "return" sends
// to the workspace, never off the site.
func TestCompleteReturnsWhereItCameFrom(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	for _, tc := range []struct{ ret, want string }{
		{"//evil.example/x", f.url(f.project, "")},
		{"https://evil.example/", f.url(f.project, "")},
		{"/pipeline?owner=3", "/pipeline?owner=3"},
	} {
		ver := pageVersion(t, c.get(f.url(f.project, "")).body)
		mid := f.defs[1].ID
		if tc.want != f.url(f.project, "") {
			mid = f.defs[2].ID
		}
		res := c.post(f.url(f.project, fmt.Sprintf("/milestones/%d/complete", mid)),
			url.Values{"version": {ver}, "completed_at": {localNow()}, "return": {tc.ret}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != tc.want {
			t.Errorf("return %q: %d to %q, want 303 to %q", tc.ret, res.status, res.header.Get("Location"), tc.want)
		}
	}
}

// TestStaleCompletionIsToldWhoCompletedIt: a completion sent from a page
// opened before someone else completed the milestone, with another time and
// note, saves nothing and says who completed it and when, keeping the typed
// note (ready to go to the log instead); the same person's identical double
// submit stays silent.
func TestStaleCompletionIsToldWhoCompletedIt(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	ann := f.app.client()
	ann.login(f.repA)
	admin := f.app.client()
	admin.login(f.admin)
	qual := f.defs[1].ID
	path := f.url(f.project, fmt.Sprintf("/milestones/%d/complete", qual))
	stale := pageVersion(t, ann.get(f.url(f.project, "")).body) // Ann opens the workspace

	at := localNow()
	if res := admin.post(path, url.Values{"version": {stale}, "completed_at": {at}, "note": {"Qualified on the phone"}}); res.status != http.StatusSeeOther {
		t.Fatalf("admin completes: %d\n%s", res.status, res.body)
	}
	res := ann.post(path, url.Values{"version": {stale}, "completed_at": {localNow()}, "note": {"Budget & roof <checked>"}})
	if res.status != http.StatusConflict {
		t.Fatalf("Ann's late completion: %d, want 409", res.status)
	}
	mustContain(t, res.body, `id="already-completed"`, "was already completed by "+f.admin.Name,
		"Budget &amp; roof &lt;checked&gt;</textarea>", `action="`+f.url(f.project, "/notes")+`"`)
	// Nothing of Ann's was saved.
	if n := strings.Count(ann.get(f.url(f.project, "")).body, "Budget &amp; roof"); n != 0 {
		t.Errorf("Ann's note shows %d times after the refused completion", n)
	}
	// The admin's identical double submit: silent.
	if res := admin.post(path, url.Values{"version": {stale}, "completed_at": {at}, "note": {"Qualified on the phone"}}); res.status != http.StatusSeeOther {
		t.Errorf("admin's double submit: %d, want 303", res.status)
	}
}

// TestTeamMemberCannotTakeTheProject: a salesperson on a project's team
// cannot make themselves (or anyone) its owner, nor can the owner hand it
// on — reassigning is for managers and admins; the owner keeps the project.
func TestTeamMemberCannotTakeTheProject(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	ann, bob := f.app.client(), f.app.client()
	ann.login(f.repA)
	bob.login(f.repB)
	ws := f.url(f.project, "")
	if res := ann.post(ws+"/members", url.Values{"version": {pageVersion(t, ann.get(ws).body)}, "member_id": {fmt.Sprint(f.repB.ID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("add Bob to the team: %d\n%s", res.status, res.body)
	}
	page := bob.get(ws)
	if page.status != http.StatusOK {
		t.Fatalf("Bob on the team cannot open the project: %d", page.status)
	}
	mustNotContain(t, page.body, `action="`+ws+`/owner"`)
	res := bob.post(ws+"/owner", url.Values{"version": {pageVersion(t, page.body)}, "owner_id": {fmt.Sprint(f.repB.ID)}})
	if res.status != http.StatusForbidden {
		t.Errorf("team member takes the project: %d, want 403", res.status)
	}
	res = ann.post(ws+"/owner", url.Values{"version": {pageVersion(t, ann.get(ws).body)}, "owner_id": {fmt.Sprint(f.repB.ID)}})
	if res.status != http.StatusForbidden {
		t.Errorf("owner hands the project on: %d, want 403", res.status)
	}
	if page := ann.get(ws); page.status != http.StatusOK || !strings.Contains(page.body, "Owner: "+f.repA.Name) {
		t.Errorf("the owner lost the project: %d", page.status)
	}
}

// TestProbabilityOverride: the workspace's probability field overrides the
// stage's probability for the project's weighted value (the board's and the
// totals'), is logged old → new, refuses a number outside 0–100 with the
// input kept, and emptied gives the stage's back.
func TestProbabilityOverride(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Odds Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Pia Prob")
	id := app.project(t, rep, "Override roof", time.Now().Add(-time.Hour))
	c := app.client()
	c.login(rep)
	ws := fmt.Sprintf("/projects/%d", id)
	weighted := func() int64 {
		var w int64
		app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT weighted_cents FROM projects WHERE tenant_id = $1 AND id = $2`, tx.Tenant, id).Scan(&w)
		})
		return w
	}
	post := func(prob string) response {
		body := c.get(ws).body
		m := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no version on the workspace")
		}
		return c.post(ws, url.Values{"version": {m[1]}, "title": {"Override roof"}, "value": {"1000"}, "forecast": {"pipeline"}, "probability": {prob}})
	}
	mustStatus(t, post("80"), http.StatusSeeOther, "set the override")
	if w := weighted(); w != 80000 {
		t.Errorf("weighted with an 80 %% override of $1,000: %d cents, want 80000", w)
	}
	res := c.get(ws)
	mustContain(t, res.body, `name="probability" type="text" inputmode="numeric" size="6" value="80"`)
	mustContain(t, c.get(ws+"/log").body, "Probability override", "80 %")
	res = post("120")
	mustStatus(t, res, http.StatusUnprocessableEntity, "out of range")
	mustContain(t, res.body, `value="120"`, "0", "100")
	mustStatus(t, post(""), http.StatusSeeOther, "clear the override")
	if w := weighted(); w != 5000 { // Lead created: 5 %
		t.Errorf("weighted after clearing: %d cents, want the stage's 5 %% = 5000", w)
	}
}
