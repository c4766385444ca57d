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

func TestEventsSubtasksTeamUndo(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	base := f.url(f.project, "")
	start := time.Now().Add(48 * time.Hour).UTC().Format(crm.LocalTimeLayout)
	// Events: bad input, then create, edit, done.
	res := c.post(base+"/events", url.Values{"event_title": {""}, "event_starts_at": {"next week"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad event: %d", res.status)
	}
	mustContain(t, res.body, `id="event_title-error"`, `id="event_starts_at-error"`, "next week")
	if res = c.post(base+"/events", url.Values{"event_title": {"Site visit"}, "event_starts_at": {start}}); res.status != http.StatusSeeOther {
		t.Fatalf("add event: %d %s", res.status, res.body)
	}
	ws := c.get(base)
	m := regexp.MustCompile(`/events/(\d+)/done`).FindStringSubmatch(ws.body)
	if m == nil {
		t.Fatal("no event on the page")
	}
	ev := m[1]
	if res = c.post(base+"/events/"+ev, url.Values{"event_title": {"Site visit with roofer"}, "event_starts_at": {start}, "event_owner_id": {"999999"}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("event with a foreign owner: %d", res.status)
	}
	if res = c.post(base+"/events/"+ev, url.Values{"event_title": {"Site visit with roofer"}, "event_starts_at": {start}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit event: %d", res.status)
	}
	if res = c.post(base+"/events/"+ev+"/done", url.Values{"done": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("event done: %d", res.status)
	}
	if res = c.post(base+"/events/999999/done", url.Values{"done": {"1"}}); res.status != http.StatusNotFound {
		t.Fatalf("unknown event: %d", res.status)
	}
	// Subtasks.
	res = c.post(base+"/subtasks", url.Values{"subtask_title": {"Get utility bill"}, "subtask_milestone_id": {"999999"}, "subtask_due": {"soon"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad subtask: %d", res.status)
	}
	mustContain(t, res.body, "Get utility bill", `id="subtask_milestone_id-error"`, `id="subtask_due-error"`)
	res = c.post(base+"/subtasks", url.Values{"subtask_title": {"Get utility bill"}, "subtask_milestone_id": {fmt.Sprint(f.defs[1].ID)},
		"subtask_due": {time.Now().AddDate(0, 0, -3).Format(crm.DateLayout)}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("add subtask: %d", res.status)
	}
	ws = c.get(base)
	mustContain(t, ws.body, "Get utility bill", "1 open subtask<", `class="late-mark"`)
	st := regexp.MustCompile(`/subtasks/(\d+)/done`).FindStringSubmatch(ws.body)[1]
	// htmx: the workspace answers in place.
	res = c.postRaw(base+"/subtasks/"+st+"/done", url.Values{"done": {"1"}}.Encode(), http.Header{"Hx-Request": {"true"}})
	if res.status != 200 || !strings.Contains(res.body, `id="workspace"`) {
		t.Fatalf("htmx subtask done: %d", res.status)
	}
	ws = c.get(base)
	mustContain(t, ws.body, "Event “Site visit with roofer” done", "Subtask “Get utility bill” done", "Site visit → Site visit with roofer", "Subtask “Get utility bill” added")
	mustNotContain(t, ws.body, "1 open subtask<")
	ver := pageVersion(t, ws.body)
	// Team members.
	if res = c.post(base+"/members", url.Values{"version": {ver}, "member_id": {fmt.Sprint(f.repB.ID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("add member: %d", res.status)
	}
	b := f.app.client()
	b.login(f.repB)
	if res := b.get(base); res.status != 200 {
		t.Fatalf("a team member cannot see the project: %d", res.status)
	}
	ver = pageVersion(t, c.get(base).body)
	if res = c.post(base+"/members", url.Values{"version": {ver}, "member_id": {fmt.Sprint(f.repA.ID)}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("owner as member: %d", res.status)
	}
	if res = c.post(base+"/members", url.Values{"version": {ver}, "member_id": {fmt.Sprint(f.repB.ID)}, "remove": {"1"}}); res.status != http.StatusSeeOther {
		t.Fatalf("remove member: %d", res.status)
	}
	if res := b.get(base); res.status != http.StatusNotFound {
		t.Fatalf("a removed member still sees the project: %d", res.status)
	}
	// Undo with and without a reason; stale undo.
	ver = pageVersion(t, c.get(base).body)
	if res = c.post(base+"/qualify", url.Values{"version": {ver}}); res.status != http.StatusSeeOther {
		t.Fatalf("qualify: %d", res.status)
	}
	undo := fmt.Sprintf("%s/milestones/%d/undo", base, f.defs[1].ID)
	if res = c.post(undo, url.Values{"version": {ver}, "reason": {"x"}}); res.status != http.StatusConflict {
		t.Fatalf("stale undo: %d", res.status)
	}
	ver = pageVersion(t, c.get(base).body)
	if res = c.post(undo, url.Values{"version": {ver}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("undo without reason: %d", res.status)
	}
	if res = c.post(undo, url.Values{"version": {ver}, "reason": {"Customer had not decided yet"}}); res.status != http.StatusSeeOther {
		t.Fatalf("undo: %d", res.status)
	}
	mustContain(t, c.get(base).body, "Undid Lead qualified", "Customer had not decided yet")
	// Reactivate is refused for an active project, works for a deferred one.
	ver = pageVersion(t, c.get(base).body)
	if res = c.post(base+"/reactivate", url.Values{"version": {ver}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("reactivate active: %d", res.status)
	}
	c.post(base+"/defer", url.Values{"version": {ver}, "defer_until": {time.Now().AddDate(0, 0, 5).Format(crm.DateLayout)}})
	ver = pageVersion(t, c.get(base).body)
	if res = c.post(base+"/reactivate", url.Values{"version": {ver}}); res.status != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", res.status)
	}
	mustContain(t, c.get(base).body, "State: Deferred → Active")
}

func TestAccountsAndContacts(t *testing.T) {
	t.Parallel()
	f := newProjectFixture(t)
	c := f.app.client()
	c.login(f.repA)
	if res := c.post("/accounts/new", url.Values{"name": {""}, "email": {"nope"}, "phone": {"call me"}, "address": {"1 Main St"}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad account: %d", res.status)
	} else {
		mustContain(t, res.body, "1 Main St", `id="name-error"`, `id="email-error"`, `id="phone-error"`)
	}
	res := c.post("/accounts/new", url.Values{"name": {"Okafor Farms"}, "phone": {"+44 20 7946 0000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("new account: %d", res.status)
	}
	acc := res.header.Get("Location")
	if res = c.post(acc+"/contacts", url.Values{"contact_name": {"Omar Okafor"}, "contact_email": {"bad@"}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad contact: %d", res.status)
	}
	if res = c.post(acc+"/contacts", url.Values{"contact_name": {"Omar Okafor"}, "contact_email": {"omar@farms.example"}}); res.status != http.StatusSeeOther {
		t.Fatalf("add contact: %d", res.status)
	}
	page := c.get(acc)
	mustContain(t, page.body, "Okafor Farms", "Omar Okafor")
	list := c.get("/accounts?q=okafor")
	mustContain(t, list.body, "Okafor Farms")
	mustNotContain(t, c.get("/accounts?q=zzz").body, "Okafor Farms")
	contact := regexp.MustCompile(`/contacts/(\d+)`).FindString(page.body)
	if res = c.post(contact, url.Values{"name": {"Omar O."}, "email": {"omar@farms.example"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit contact: %d", res.status)
	}
	if res = c.post(contact, url.Values{"name": {strings.Repeat("O", 201)}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("long contact name: %d", res.status)
	}
	// The contact page lists only projects the viewer can see.
	ws := c.get(f.url(f.project, ""))
	own := regexp.MustCompile(`/contacts/(\d+)`).FindString(ws.body)
	link := `href="` + f.url(f.project, "") + `"`
	mustContain(t, c.get(own).body, link)
	b := f.app.client()
	b.login(f.repB)
	mustNotContain(t, b.get(own).body, link)
	// Another tenant's accounts and contacts are not found.
	o := f.app.client()
	o.login(f.otherAdmin)
	for _, path := range []string{acc, contact} {
		if res := o.get(path); res.status != http.StatusNotFound {
			t.Errorf("GET %s from another tenant: %d", path, res.status)
		}
		if res := o.post(path, url.Values{"name": {"Hijack"}}); res.status != http.StatusNotFound {
			t.Errorf("POST %s from another tenant: %d", path, res.status)
		}
	}
	if res := o.post(acc+"/contacts", url.Values{"contact_name": {"Spy"}}); res.status != http.StatusNotFound {
		t.Errorf("add contact to another tenant's account: %d", res.status)
	}
	_ = postgres.LogLimit
	_ = context.Background
}
