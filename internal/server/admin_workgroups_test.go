package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestWorkgroupsSayWhoSeesWhat: once the tenant has a workgroup, a manager
// who manages none sees only their own projects and is told why on the
// Sales screen and the board; the admin's workgroups page says who sees
// what and names those managers; an empty workgroup can be deleted (and
// managers then see every project again), one with members cannot.
func TestWorkgroupsSayWhoSeesWhat(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Groups Solar")
	idle := app.db.User(t, admin, crm.RoleManager, "Idle Manager")
	rep := app.db.User(t, admin, crm.RoleSales, "Group Rep")
	app.project(t, rep, "Rep's roof", time.Now().Add(-time.Hour))
	m := app.client()
	m.login(idle)
	a := app.client()
	a.login(admin)

	// No workgroup yet: every manager sees every project; nothing to explain.
	page := m.get("/").body
	mustContain(t, page, "Rep&#39;s roof")
	mustNotContain(t, page, `id="manages-none"`)

	res := a.post("/admin/workgroups", url.Values{"name": {"North"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("create workgroup: %d", res.status)
	}
	group := strings.TrimPrefix(res.header.Get("Location"), "/admin/workgroups/")
	for _, path := range []string{"/", "/pipeline"} {
		page = m.get(path).body
		mustContain(t, page, `id="manages-none"`, "You manage no workgroup")
		mustNotContain(t, page, "Rep&#39;s roof")
	}
	list := a.get("/admin/workgroups").body
	mustContain(t, list, `id="who-sees-what"`, `id="idle-managers"`, "Idle Manager", `action="/admin/workgroups/`+group+`/delete"`)

	// Managing the group (with the rep in it) shows the rep's projects and no notice.
	for _, f := range []url.Values{{"user_id": {fmt.Sprint(idle.ID)}, "manager": {"1"}}, {"user_id": {fmt.Sprint(rep.ID)}}} {
		if res := a.post("/admin/workgroups/"+group+"/members", f); res.status != http.StatusSeeOther {
			t.Fatalf("add member: %d", res.status)
		}
	}
	page = m.get("/").body
	mustContain(t, page, "Rep&#39;s roof")
	mustNotContain(t, page, `id="manages-none"`)
	mustNotContain(t, a.get("/admin/workgroups").body, `id="idle-managers"`)

	// A workgroup with members is not deleted.
	res = a.post("/admin/workgroups/"+group+"/delete", nil)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Only an empty workgroup can be deleted") {
		t.Fatalf("delete a workgroup with members: %d", res.status)
	}
	for _, u := range []crm.User{idle, rep} {
		if res := a.post(fmt.Sprintf("/admin/workgroups/%s/members/%d/remove", group, u.ID), nil); res.status != http.StatusSeeOther {
			t.Fatalf("remove member: %d", res.status)
		}
	}
	res = a.post("/admin/workgroups/"+group+"/delete", nil)
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/admin/workgroups" {
		t.Fatalf("delete the empty workgroup: %d %s", res.status, res.header.Get("Location"))
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM workgroups WHERE tenant_id = $1`, admin.TenantID); n != 0 {
		t.Errorf("%d workgroups left", n)
	}
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND entity = 'workgroup' AND action = 'delete'`, admin.TenantID); n != 1 {
		t.Errorf("%d delete audit entries", n)
	}
	mustContain(t, m.get("/").body, "Rep&#39;s roof")
	if res := a.get("/admin/workgroups/" + group); res.status != http.StatusNotFound {
		t.Errorf("deleted workgroup: %d", res.status)
	}
}
