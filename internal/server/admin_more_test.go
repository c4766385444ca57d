package server

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

func TestPickLists(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	c := app.client()
	c.login(admin)
	for _, l := range []string{"statuses", "reasons", "sources"} {
		mustStatus(t, c.get("/admin/lists/"+l), 200, l)
	}
	mustStatus(t, c.post("/admin/lists/sources", url.Values{"new_name": {"Radio"}}), 303, "add")
	must422(t, c.post("/admin/lists/sources", url.Values{"new_name": {"radio"}}), "new_name", "already in the list", `value="radio"`)
	must422(t, c.post("/admin/lists/sources", url.Values{"new_name": {"  "}}), "new_name", "required")
	must422(t, c.post("/admin/lists/sources", url.Values{"new_name": {strings.Repeat("x", 101)}}), "new_name", "too long")
	radio := scalar[int64](t, app, admin, `SELECT id FROM lead_sources WHERE name = 'Radio'`)
	website := scalar[int64](t, app, admin, `SELECT id FROM lead_sources WHERE name = 'Website'`)
	// A project uses Website; it keeps it when Website is renamed and deactivated.
	p := app.project(t, sales, "Roof", time.Now())
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE projects SET source_id = $1 WHERE id = $2`, website, p)
		return err
	})
	mustStatus(t, c.post(fmt.Sprintf("/admin/lists/sources/%d", website), url.Values{"name": {"Web site"}}), 303, "rename")
	res := c.post(fmt.Sprintf("/admin/lists/sources/%d", website), url.Values{"name": {"Radio"}})
	must422(t, res, "name", "already in the list", `value="Radio"`)
	mustStatus(t, c.post(fmt.Sprintf("/admin/lists/sources/%d/active", website), url.Values{"active": {"0"}}), 303, "deactivate")
	if got := scalar[int64](t, app, admin, `SELECT source_id FROM projects WHERE id = $1`, p); got != website {
		t.Fatalf("project source changed to %d", got)
	}
	page := c.get("/admin/lists/sources")
	mustContain(t, page.body, `value="Web site"`, "inactive", `<td class="num">1</td>`)
	// Reorder by buttons and by a full order.
	mustStatus(t, c.post(fmt.Sprintf("/admin/lists/sources/%d/move", radio), url.Values{"dir": {"up"}}), 303, "move")
	if pos := scalar[int32](t, app, admin, `SELECT position FROM lead_sources WHERE id = $1`, radio); pos != 6 {
		t.Fatalf("Radio at %d after moving up from 7", pos)
	}
	mustStatus(t, c.post(fmt.Sprintf("/admin/lists/sources/%d/move", radio), url.Values{"dir": {"sideways"}}), 400, "bad direction")
	var all []string
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text FROM lead_sources ORDER BY position DESC`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			all = append(all, s)
		}
		return nil
	})
	mustStatus(t, c.post("/admin/lists/sources/order", url.Values{"order": {strings.Join(all, ",")}}), 303, "reverse")
	if pos := scalar[int32](t, app, admin, `SELECT position FROM lead_sources WHERE id = $1`, website); pos != 7 {
		t.Fatalf("Website at %d after reversing", pos)
	}
	mustStatus(t, c.post("/admin/lists/sources/order", url.Values{"order": {all[0]}}), 422, "partial order")
	// The drag script posts with HX-Request and gets no page back.
	reversed := make([]string, len(all))
	for i, id := range all {
		reversed[len(all)-1-i] = id
	}
	hx := c.postRaw("/admin/lists/sources/order", url.Values{"order": {strings.Join(reversed, ",")}}.Encode(), map[string][]string{"Hx-Request": {"true"}})
	mustStatus(t, hx, 204, "reorder by drag")
	if pos := scalar[int32](t, app, admin, `SELECT position FROM lead_sources WHERE id = $1`, website); pos != 1 {
		t.Fatalf("Website at %d after reversing back", pos)
	}
	mustContain(t, c.get("/admin/audit?entity=sources").body, "Website", "Web site", "reorder", "Radio")
}

func TestWorkgroups(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	mona := app.db.User(t, admin, crm.RoleManager, "Mona")
	sam := app.db.User(t, admin, crm.RoleSales, "Sam")
	c := app.client()
	c.login(admin)
	mustContain(t, c.get("/admin/workgroups").body, "No workgroups yet")
	res := c.post("/admin/workgroups", url.Values{"name": {"North"}})
	mustStatus(t, res, 303, "create")
	wg := res.header.Get("Location")
	must422(t, c.post("/admin/workgroups", url.Values{"name": {"North"}}), "name", "already in the list", `value="North"`)
	must422(t, c.post("/admin/workgroups", url.Values{"name": {""}}), "name", "required")
	mustStatus(t, c.post(wg, url.Values{"name": {"North team"}}), 303, "rename")
	must422(t, c.post(wg, url.Values{"name": {"\x07"}}), "name", "not allowed")
	mustStatus(t, c.post(wg+"/members", url.Values{"user_id": {fmt.Sprint(mona.ID)}, "manager": {"1"}}), 303, "add manager")
	mustStatus(t, c.post(wg+"/members", url.Values{"user_id": {fmt.Sprint(sam.ID)}}), 303, "add member")
	must422(t, c.post(wg+"/members", url.Values{"user_id": {"x"}}), "user_id", "required")
	page := c.get(wg)
	mustContain(t, page.body, "North team", "Mona", "Sam", "Make member only", "Make manager")
	// The manager now sees Sam's projects, and only those of the group.
	list := c.get("/admin/workgroups")
	mustContain(t, list.body, "North team", "Mona")
	mustStatus(t, c.post(wg+"/members", url.Values{"user_id": {fmt.Sprint(mona.ID)}, "manager": {"0"}}), 303, "demote")
	mustStatus(t, c.post(fmt.Sprintf("%s/members/%d/remove", wg, sam.ID), nil), 303, "remove")
	mustStatus(t, c.post(fmt.Sprintf("%s/members/%d/remove", wg, sam.ID), nil), 404, "remove again")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM workgroup_members`); n != 1 {
		t.Fatalf("members left: %d", n)
	}
	mustContain(t, c.get("/admin/audit?entity=workgroup").body, "member_added", "Mona (manager)", "member_removed", "North team")
}

func TestQuotasAndCommission(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sam := app.db.User(t, admin, crm.RoleSales, "Sam")
	c := app.client()
	c.login(admin)
	page := c.get("/admin/quotas?year=2026")
	mustStatus(t, page, 200, "grid")
	mustContain(t, page.body, "Quotas 2026", "Sam", fmt.Sprintf(`name="q_%d_12"`, sam.ID))
	mustStatus(t, c.get("/admin/quotas?year=abc"), 404, "bad year")
	form := url.Values{"year": {"2026"}, fmt.Sprintf("rate_%d", sam.ID): {"12.25"}, fmt.Sprintf("q_%d_1", sam.ID): {"10,000"},
		fmt.Sprintf("q_%d_2", sam.ID): {"12500.5"}}
	mustStatus(t, c.post("/admin/quotas", form), 303, "save")
	if bp := scalar[int32](t, app, admin, `SELECT commission_rate_bp FROM users WHERE id = $1`, sam.ID); bp != 1225 {
		t.Fatalf("commission = %d bp", bp)
	}
	if sum := scalar[int64](t, app, admin, `SELECT sum(amount_cents) FROM quotas WHERE user_id = $1`, sam.ID); sum != 1000000+1250050 {
		t.Fatalf("quota sum = %d", sum)
	}
	page = c.get("/admin/quotas?year=2026")
	mustContain(t, page.body, `value="12.25"`, `value="10000"`, `value="12500.50"`)
	// Bad cells: 422, messages beside each, everything typed kept, nothing saved.
	bad := url.Values{"year": {"2026"}, fmt.Sprintf("rate_%d", sam.ID): {"101"}, fmt.Sprintf("q_%d_1", sam.ID): {"ten"},
		fmt.Sprintf("q_%d_3", sam.ID): {"300"}, fmt.Sprintf("q_%d_4", sam.ID): {"1.234"}}
	res := c.post("/admin/quotas", bad)
	must422(t, res, fmt.Sprintf("q_%d_1", sam.ID), "Enter an amount", fmt.Sprintf(`id="rate_%d-error"`, sam.ID),
		fmt.Sprintf(`id="q_%d_4-error"`, sam.ID), `value="ten"`, `value="300"`, `value="101"`, "nothing was saved")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM quotas`); n != 2 {
		t.Fatalf("a failed save changed quotas: %d rows", n)
	}
	// Clearing a cell removes that month's quota.
	form.Del(fmt.Sprintf("q_%d_2", sam.ID))
	mustStatus(t, c.post("/admin/quotas", form), 303, "clear")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM quotas`); n != 1 {
		t.Fatalf("quotas after clearing: %d", n)
	}
	mustContain(t, c.get("/admin/audit?entity=quota").body, "2026-02", "12500.50")
}

func TestSettings(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sam := app.db.User(t, admin, crm.RoleSales, "Sam")
	c := app.client()
	c.login(admin)
	page := c.get("/admin/settings")
	mustContain(t, page.body, `value="Acme"`, `value="USD"`, `value="UTC"`, `value="14"`)
	good := url.Values{"name": {"Acme Solar"}, "currency": {"eur"}, "time_zone": {"Europe/Berlin"}, "stagnant_days": {"21"}, "learned_probabilities": {"1"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range good {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	for _, tc := range []struct{ field, value, msg string }{
		{"currency", "EURO", "ISO 4217"}, {"currency", "XYZ", "ISO 4217"}, {"currency", "", "required"},
		{"time_zone", "Mars/Olympus", "IANA"}, {"time_zone", "Local", "IANA"}, {"time_zone", "../../etc/passwd", "IANA"},
		{"stagnant_days", "0", "from 1 to 3,650"}, {"stagnant_days", "many", "whole number"}, {"name", "", "required"},
	} {
		res := c.post("/admin/settings", with(tc.field, tc.value))
		must422(t, res, tc.field, tc.msg)
		if tc.field != "name" {
			mustContain(t, res.body, `value="Acme Solar"`)
		}
	}
	mustStatus(t, c.post("/admin/settings", good), 303, "save")
	// Every user sees the new settings on their next request.
	s := app.client()
	s.login(sam)
	mustContain(t, s.get("/").body, "Acme Solar")
	who, err := app.db.Identity(context.Background(), admin.TenantID, sam.ID)
	if err != nil || who.Tenant.Currency != "EUR" || who.Tenant.TimeZone != "Europe/Berlin" || who.Tenant.StagnantDays != 21 || !who.Tenant.LearnedProbabilities {
		t.Fatalf("settings %+v %v", who.Tenant, err)
	}
	audit := c.get("/admin/audit?entity=settings")
	mustContain(t, audit.body, "currency", "USD", "EUR", "time_zone", "Europe/Berlin", "learned_probabilities")
}

func TestAuditFilters(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	ada := app.db.User(t, admin, crm.RoleAdmin, "Ada")
	c, c2 := app.client(), app.client()
	c.login(admin)
	c2.login(ada)
	mustStatus(t, c.post("/admin/lists/reasons", url.Values{"new_name": {"Moved away"}}), 303, "add reason")
	mustStatus(t, c2.post("/admin/workgroups", url.Values{"name": {"South"}}), 303, "add group")
	all := c.get("/admin/audit")
	mustContain(t, all.body, "Moved away", "South")
	byUser := c.get(fmt.Sprintf("/admin/audit?user=%d", ada.ID))
	mustContain(t, byUser.body, "South")
	mustNotContain(t, byUser.body, "Moved away")
	byEntity := c.get("/admin/audit?entity=reasons")
	mustContain(t, byEntity.body, "Moved away")
	mustNotContain(t, byEntity.body, ">South<")
	today := time.Now().UTC().Format("2006-01-02")
	mustContain(t, c.get("/admin/audit?from="+today+"&to="+today).body, "Moved away")
	mustContain(t, c.get("/admin/audit?to=2000-01-01").body, "No changes recorded")
	must422(t, c.get("/admin/audit?from=yesterday"), "from", "YYYY-MM-DD", `value="yesterday"`)
	// Unknown filter values filter nothing out but never fail.
	mustStatus(t, c.get("/admin/audit?entity=nonsense&user=abc&before=-5"), 200, "junk filters")
	// The audit log cannot be rewritten by the app role.
	err := app.db.Any.InTenant(context.Background(), admin.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE audit_log SET new_value = 'forged'`)
		return err
	})
	if err == nil {
		t.Fatal("the app role could update the audit log")
	}
}
