package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

var hx = http.Header{"Hx-Request": {"true"}}

// drawer is the project's log as the Sales screen's drawer loads it.
func (c *client) drawer(path string) response {
	req, _ := http.NewRequest("GET", c.app.ts.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	return c.do(req)
}

// projectStatus reads the saved milestone status and qualified flag.
func projectStatus(t *testing.T, f *projectFixture, id crm.ProjectID) (status int64, qualified bool, entries int) {
	t.Helper()
	f.app.sql(t, f.admin, func(ctx context.Context, tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT COALESCE(p.status_id, 0),
			EXISTS (SELECT 1 FROM milestone_completions c WHERE c.tenant_id = $1 AND c.project_id = $2 AND c.milestone_id = $3),
			(SELECT count(*) FROM project_log l WHERE l.tenant_id = $1 AND l.project_id = $2)
			FROM projects p WHERE p.tenant_id = $1 AND p.id = $2`, tx.Tenant, id, f.defs[1].ID).Scan(&status, &qualified, &entries)
	})
	return
}

// The drawer sets the milestone status and qualifies with a time and a
// note, through the workspace's decisions: the same log entries, version
// check and messages, with the input kept; in place with htmx, back to the
// list without JavaScript.
func TestLogDrawerStatusAndQualify(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	names, _, err := f.app.db.PickLists(context.Background(), f.admin.TenantID)
	if err != nil || len(names.Statuses) < 2 {
		t.Fatalf("statuses: %v %v", names.Statuses, err)
	}
	st1, st2 := names.Statuses[0], names.Statuses[1]
	c := f.app.client()
	c.login(f.repA)
	list := "/?view=active&sort=value&dir=desc"
	ret := "?return=" + url.QueryEscape(list)
	d := c.drawer(f.url(f.project, "/log"+ret))
	if d.status != 200 || strings.Contains(d.body, "<html") {
		t.Fatalf("drawer: %d", d.status)
	}
	mustContain(t, d.body, `id="log-status_id"`, `hx-post="/projects/`+fmt.Sprint(f.project)+`/log/status"`, `/log/qualify"`,
		`id="log-completed_at"`, `id="log-note"`, `value="`+strings.ReplaceAll(list, "&", "&amp;")+`"`, "Qualify: complete “Lead qualified”")
	ver := pageVersion(t, d.body)

	// Status, in place: the drawer again with a confirmation, the event
	// that reloads the list's row, the workspace's log entry.
	res := c.postRaw(f.url(f.project, "/log/status"), url.Values{"version": {ver}, "status_id": {fmt.Sprint(st1.ID)}, "return": {list}}.Encode(), hx)
	if res.status != 200 || strings.Contains(res.body, "<html") {
		t.Fatalf("status in place: %d\n%s", res.status, res.body)
	}
	mustContain(t, res.body, "Milestone status saved.", `class="drawer-close"`, "Milestone status: — → "+st1.Name,
		fmt.Sprintf(`<option value="%d" selected>`, st1.ID))
	if got, want := res.header.Get("HX-Trigger"), fmt.Sprintf(`{"projectChanged":{"id":%d}}`, f.project); got != want {
		t.Errorf("HX-Trigger %q, want %q", got, want)
	}
	if s, _, _ := projectStatus(t, f, f.project); s != st1.ID {
		t.Fatalf("status saved %d, want %d", s, st1.ID)
	}
	// The same form again, with the version it was opened with: refused,
	// the choice kept, nothing saved.
	res = c.postRaw(f.url(f.project, "/log/status"), url.Values{"version": {ver}, "status_id": {fmt.Sprint(st2.ID)}}.Encode(), hx)
	if res.status != http.StatusConflict {
		t.Fatalf("stale status: %d", res.status)
	}
	mustContain(t, res.body, "Nothing was saved: someone else changed this project", fmt.Sprintf(`<option value="%d" selected>`, st2.ID))
	if s, _, _ := projectStatus(t, f, f.project); s != st1.ID {
		t.Fatalf("a stale status was saved: %d", s)
	}
	ver = pageVersion(t, res.body)
	// An unknown status: 422 beside the select.
	res = c.postRaw(f.url(f.project, "/log/status"), url.Values{"version": {ver}, "status_id": {"999999"}}.Encode(), hx)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status: %d", res.status)
	}
	mustContain(t, res.body, `id="log-status_id-error"`, "Choose one")
	// Without JavaScript: 303 back to the list with its query, and a flash.
	res = c.post(f.url(f.project, "/log/status"), url.Values{"version": {ver}, "status_id": {fmt.Sprint(st2.ID)}, "return": {list}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != list {
		t.Fatalf("status without JavaScript: %d %q", res.status, res.header.Get("Location"))
	}
	mustContain(t, c.get(list).body, "Milestone status saved.")
	if s, _, _ := projectStatus(t, f, f.project); s != st2.ID {
		t.Fatalf("status saved %d, want %d", s, st2.ID)
	}
	// A foreign return target is not followed.
	ver = pageVersion(t, c.drawer(f.url(f.project, "/log")).body)
	res = c.post(f.url(f.project, "/log/status"), url.Values{"version": {ver}, "status_id": {""}, "return": {"//evil.example/"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != f.url(f.project, "/log") {
		t.Fatalf("foreign return: %d %q", res.status, res.header.Get("Location"))
	}
	ver = pageVersion(t, c.drawer(f.url(f.project, "/log")).body)

	// Qualify with bad input: 422, the time and the note kept, the message
	// beside the time; nothing completed.
	_, _, before := projectStatus(t, f, f.project)
	for _, bad := range []struct{ at, msg string }{
		{time.Now().Add(48 * time.Hour).UTC().Format(crm.LocalTimeLayout), "in the future"},
		{"yesterday", "Enter a date and time"},
	} {
		res = c.postRaw(f.url(f.project, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {bad.at}, "note": {"Budget <ok>"}}.Encode(), hx)
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("qualify at %q: %d", bad.at, res.status)
		}
		mustContain(t, res.body, `value="`+bad.at+`"`, "Budget &lt;ok&gt;", `id="log-completed_at-error"`, bad.msg, "<details class=\"log-qualify\" open")
		// Without JavaScript the log page shows the same.
		res = c.post(f.url(f.project, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {bad.at}, "note": {"Budget <ok>"}, "return": {list}})
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "<html") {
			t.Fatalf("qualify at %q without JavaScript: %d", bad.at, res.status)
		}
		mustContain(t, res.body, `value="`+bad.at+`"`, "Budget &lt;ok&gt;", bad.msg, `name="return" value="`+strings.ReplaceAll(list, "&", "&amp;")+`"`)
	}
	if _, q, n := projectStatus(t, f, f.project); q || n != before {
		t.Fatalf("bad input changed the project: qualified %v, log %d → %d", q, before, n)
	}
	// Qualify in place: the milestone completed at the typed time with the
	// note, the form gone, the confirmation shown.
	at := localNow()
	res = c.postRaw(f.url(f.project, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {at}, "note": {"Budget confirmed"}}.Encode(), hx)
	if res.status != 200 {
		t.Fatalf("qualify: %d\n%s", res.status, res.body)
	}
	mustContain(t, res.body, "Qualified: the lead’s qualifying milestone is completed.", "Completed Lead qualified", "Budget confirmed")
	mustNotContain(t, res.body, "/log/qualify")
	if _, q, _ := projectStatus(t, f, f.project); !q {
		t.Fatal("not qualified")
	}
	// The same submit again (a double click) is the same completion: no error.
	res = c.postRaw(f.url(f.project, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {at}, "note": {"Budget confirmed"}}.Encode(), hx)
	if res.status != 200 {
		t.Fatalf("double submit: %d", res.status)
	}
	// Other input from a form opened before: refused, nothing saved.
	res = c.postRaw(f.url(f.project, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {localNow()}}.Encode(), hx)
	if res.status != http.StatusConflict {
		t.Fatalf("qualify twice: %d", res.status)
	}
	mustContain(t, res.body, "qualified by someone else in the meantime")

	// Qualify without JavaScript, on a second lead, without a time: now.
	second := f.lead(t, f.repA, "Second lead")
	ver = pageVersion(t, c.get(f.url(second, "/log"+ret)).body)
	res = c.post(f.url(second, "/log/qualify"), url.Values{"version": {ver}, "completed_at": {""}, "note": {""}, "return": {list}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != list {
		t.Fatalf("qualify without JavaScript: %d %q", res.status, res.header.Get("Location"))
	}
	if _, q, _ := projectStatus(t, f, second); !q {
		t.Fatal("second lead not qualified")
	}
}

// Another rep's project and another tenant's are not found, for both
// actions, with or without htmx; nothing is changed.
func TestLogDrawerActionsHideOthers(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	names, _, _ := f.app.db.PickLists(context.Background(), f.admin.TenantID)
	b := f.app.client()
	b.login(f.repB)
	for _, id := range []crm.ProjectID{f.project, f.other} {
		if res := b.drawer(f.url(id, "/log")); res.status != http.StatusNotFound {
			t.Errorf("drawer of %d as another rep / tenant: %d", id, res.status)
		}
		for _, path := range []string{"/log/status", "/log/qualify"} {
			for _, h := range []http.Header{nil, hx} {
				form := url.Values{"version": {"1"}, "status_id": {fmt.Sprint(names.Statuses[0].ID)}, "completed_at": {localNow()}}
				if res := b.postRaw(f.url(id, path), form.Encode(), h); res.status != http.StatusNotFound {
					t.Errorf("POST %s as another rep / tenant: %d", f.url(id, path), res.status)
				}
			}
		}
	}
	if s, q, _ := projectStatus(t, f, f.project); s != 0 || q {
		t.Fatalf("another rep changed the project: status %d, qualified %v", s, q)
	}
}
