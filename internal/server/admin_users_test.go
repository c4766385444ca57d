package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// sentMail records what the server mailed.
type sentMail struct {
	mu   sync.Mutex
	mail []string
}

func (m *sentMail) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mail = append(m.mail, to+"|"+subject+"|"+body)
	return nil
}

func TestInvitationSingleUse(t *testing.T) {
	t.Parallel()
	mail := &sentMail{}
	app := newTestApp(t, Config{Mailer: mail})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	res := c.post("/admin/users", url.Values{"email": {"Nina@Acme.example"}, "role": {"manager"}})
	mustStatus(t, res, http.StatusOK, "invite")
	link := shownLink(t, app, res.body)
	mustContain(t, res.body, "Invitation link", "It was also sent to nina@acme.example")
	if len(mail.mail) != 1 || !strings.Contains(mail.mail[0], link) || !strings.HasPrefix(mail.mail[0], "nina@acme.example|") {
		t.Fatalf("mail: %q", mail.mail)
	}
	// Before accepting, the invitee cannot log in (no password yet).
	mustStatus(t, app.client().post("/login", url.Values{"email": {"nina@acme.example"}, "password": {""}}), 422, "login before accepting")
	mustContain(t, c.get("/admin/users").body, "nina@acme.example", "invited")

	guest := app.client()
	page := guest.get(link)
	mustStatus(t, page, http.StatusOK, "open link")
	mustContain(t, page.body, "Join your team", "nina@acme.example")
	// Bad input: 422 beside the fields, the name kept.
	bad := guest.post(link, url.Values{"name": {"Nina Novak"}, "password": {"short"}, "confirm": {"other"}})
	must422(t, bad, "password", "too short", `value="Nina Novak"`, `id="confirm-error"`)
	must422(t, guest.post(link, url.Values{"name": {""}, "password": {"a long new passphrase"}, "confirm": {"a long new passphrase"}}), "name", "required")
	// Accept: signed in as a manager.
	ok := guest.post(link, url.Values{"name": {"Nina Novak"}, "password": {"a long new passphrase"}, "confirm": {"a long new passphrase"}})
	mustStatus(t, ok, http.StatusSeeOther, "accept")
	home := guest.get("/")
	mustContain(t, home.body, "Nina Novak", "Manager", "Welcome to Pipewell.")
	// Single use.
	mustStatus(t, app.client().get(link), http.StatusNotFound, "reopen used link")
	mustStatus(t, app.client().post(link, url.Values{"name": {"Mallory"}, "password": {"another long one"}, "confirm": {"another long one"}}),
		http.StatusNotFound, "reuse link")
	// The password chosen works for log-in.
	mustStatus(t, app.client().post("/login", url.Values{"email": {"nina@acme.example"}, "password": {"a long new passphrase"}}), 303, "login")
	// Forged and malformed links are the same 404.
	for _, p := range []string{"/invite/abc", "/invite/1.short", fmt.Sprintf("/invite/%d.%s", admin.TenantID, strings.Repeat("A", 43)), "/reset/" + link[len("/invite/"):]} {
		mustStatus(t, app.client().get(p), http.StatusNotFound, p)
	}
	// A taken e-mail is refused beside the field, input kept.
	res = c.post("/admin/users", url.Values{"email": {"NINA@acme.example"}, "role": {"sales"}})
	must422(t, res, "email", "already registered", `value="NINA@acme.example"`)
	must422(t, c.post("/admin/users", url.Values{"email": {"x@y.example"}, "role": {"boss"}}), "role", "Choose a role")
	must422(t, c.post("/admin/users", url.Values{"email": {"not an address"}, "role": {"sales"}}), "email", "Enter an e-mail address")
}

func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	res := c.post("/admin/users", url.Values{"email": {"late@acme.example"}, "role": {"sales"}})
	first := shownLink(t, app, res.body)
	mustContain(t, res.body, "Invitation link")
	mustNotContain(t, res.body, "It was also sent") // no mailer configured
	app.sql(t, admin, func(ctx context.Context, tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE user_tokens SET expires_at = now() - interval '1 second'`)
		return err
	})
	mustStatus(t, app.client().get(first), http.StatusNotFound, "expired link")
	// A new link works, and makes any older one useless.
	id := scalar[int64](t, app, admin, `SELECT id FROM users WHERE email = 'late@acme.example'`)
	second := shownLink(t, app, c.post(fmt.Sprintf("/admin/users/%d/link", id), nil).body)
	third := shownLink(t, app, c.post(fmt.Sprintf("/admin/users/%d/link", id), nil).body)
	mustStatus(t, app.client().get(second), http.StatusNotFound, "superseded link")
	mustStatus(t, app.client().get(third), http.StatusOK, "newest link")
}

func TestPasswordResetEndsOldSessions(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	old := app.client()
	old.login(sales)
	c := app.client()
	c.login(admin)
	res := c.post(fmt.Sprintf("/admin/users/%d/link", sales.ID), nil)
	mustContain(t, res.body, "Password reset link")
	link := shownLink(t, app, res.body)
	if !strings.HasPrefix(link, "/reset/") {
		t.Fatalf("link %s", link)
	}
	u := app.client()
	mustContain(t, u.get(link).body, "Choose a new password")
	mustStatus(t, u.post(link, url.Values{"password": {"brand new passphrase"}, "confirm": {"brand new passphrase"}}), 303, "reset")
	mustContain(t, u.get("/").body, "Your new password is set.")
	mustStatus(t, old.get("/"), http.StatusSeeOther, "session from before the reset")
	mustStatus(t, app.client().post("/login", url.Values{"email": {sales.Email}, "password": {"brand new passphrase"}}), 303, "login")
	mustStatus(t, app.client().get(link), http.StatusNotFound, "used reset link")
}

func TestLastAdminRemains(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	path := fmt.Sprintf("/admin/users/%d", admin.ID)
	must422(t, c.post(path+"/role", url.Values{"role": {"manager"}}), "role", "At least one active admin")
	must422(t, c.post(path+"/active", url.Values{"active": {"0"}}), "", "At least one active admin")
	// With a second admin, the first may step down.
	second := app.db.User(t, admin, crm.RoleAdmin, "Ada")
	mustStatus(t, c.post(path+"/role", url.Values{"role": {"manager"}}), 303, "demote with another admin")
	// Now the demoted user is a manager: the admin pages are closed at once.
	mustStatus(t, c.get("/admin/users"), http.StatusForbidden, "demoted admin")
	c2 := app.client()
	c2.login(second)
	must422(t, c2.post(fmt.Sprintf("/admin/users/%d/active", second.ID), url.Values{"active": {"0"}}), "", "At least one active admin")
	// A deactivated admin does not count.
	mustStatus(t, c2.post(fmt.Sprintf("/admin/users/%d/role", admin.ID), url.Values{"role": {"admin"}}), 303, "promote back")
	mustStatus(t, c2.post(fmt.Sprintf("/admin/users/%d/active", admin.ID), url.Values{"active": {"0"}}), 303, "deactivate first")
	must422(t, c2.post(fmt.Sprintf("/admin/users/%d/role", second.ID), url.Values{"role": {"sales"}}), "role", "At least one active admin")
	if n := scalar[int64](t, app, admin, `SELECT count(*) FROM users WHERE role = 'admin' AND active`); n != 1 {
		t.Fatalf("active admins: %d", n)
	}
}

func TestDeactivatedUserSessionRejected(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	s1, s2 := app.client(), app.client()
	s1.login(sales)
	s2.login(sales)
	mustStatus(t, s1.get("/"), 200, "before")
	c := app.client()
	c.login(admin)
	mustStatus(t, c.post(fmt.Sprintf("/admin/users/%d/active", sales.ID), url.Values{"active": {"0"}}), 303, "deactivate")
	for _, s := range []*client{s1, s2} {
		res := s.get("/")
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
			t.Fatalf("deactivated user's next request: %d %s", res.status, res.header.Get("Location"))
		}
	}
	mustStatus(t, app.client().post("/login", url.Values{"email": {sales.Email}, "password": {"correct horse battery"}}), 422, "login when deactivated")
	mustContain(t, c.get(fmt.Sprintf("/admin/users/%d", sales.ID)).body, "deactivated")
	// Reactivation lets them log in again, but the old sessions stay ended.
	mustStatus(t, c.post(fmt.Sprintf("/admin/users/%d/active", sales.ID), url.Values{"active": {"1"}}), 303, "reactivate")
	req, _ := http.NewRequest("GET", app.ts.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "pipewell_session", Value: s2.cookie()})
	mustStatus(t, app.client().do(req), http.StatusSeeOther, "old session after reactivation")
	app.client().login(sales)
	mustContain(t, c.get("/admin/audit?entity=user").body, "active", "false", "true")
}

// A role change renews the session token on the user's next request.
func TestRoleChangeRenewsSessionToken(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	s := app.client()
	s.login(sales)
	mustStatus(t, s.get("/"), 200, "home")
	before := s.cookie()
	mustStatus(t, s.get("/"), 200, "home again")
	if s.cookie() != before {
		t.Fatal("token renewed without a role change")
	}
	c := app.client()
	c.login(admin)
	mustStatus(t, c.post(fmt.Sprintf("/admin/users/%d/role", sales.ID), url.Values{"role": {"admin"}}), 303, "promote")
	mustStatus(t, s.get("/admin/milestones"), 200, "promoted user on an admin page")
	after := s.cookie()
	if after == "" || after == before {
		t.Fatalf("token not renewed on role change: %q → %q", before, after)
	}
	// The old token is dead.
	req, _ := http.NewRequest("GET", app.ts.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "pipewell_session", Value: before})
	mustStatus(t, app.client().do(req), http.StatusSeeOther, "old token")
	mustStatus(t, s.get("/"), 200, "new token")
}

func TestAccount(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	sales := app.db.User(t, admin, crm.RoleSales, "Sam")
	c, other := app.client(), app.client()
	c.login(sales)
	other.login(sales)
	page := c.get("/account")
	mustStatus(t, page, 200, "account")
	mustContain(t, page.body, "My account", sales.Email, `value="Sam"`)
	must422(t, c.post("/account", url.Values{"name": {""}, "locale": {"en"}}), "name", "required")
	must422(t, c.post("/account", url.Values{"name": {"Sam Smith"}, "locale": {"fr"}}), "locale", "Choose a language", `value="Sam Smith"`)
	mustStatus(t, c.post("/account", url.Values{"name": {"Sam Smith"}, "locale": {"zh-Hans"}}), 303, "save")
	// The language preference applies at once.
	mustContain(t, c.get("/account").body, `lang="zh-Hans"`, "我的账户", `value="Sam Smith"`)
	mustStatus(t, c.post("/account", url.Values{"name": {"Sam Smith"}, "locale": {""}}), 303, "browser language")
	// Password: the current one is required and checked.
	must422(t, c.post("/account/password", url.Values{"current": {"wrong password"}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}}),
		"current", "current password is wrong")
	must422(t, c.post("/account/password", url.Values{"current": {""}, "password": {"short"}, "confirm": {"short"}}), "password", "too short", `id="current-error"`)
	must422(t, c.post("/account/password", url.Values{"current": {"correct horse battery"}, "password": {"a new long passphrase"}, "confirm": {"different"}}),
		"confirm", "differ")
	res := c.post("/account/password", url.Values{"current": {"correct horse battery"}, "password": {"a new long passphrase"}, "confirm": {"a new long passphrase"}})
	mustStatus(t, res, 303, "change password")
	mustContain(t, c.get("/account").body, "other sessions are signed out")
	mustStatus(t, other.get("/"), http.StatusSeeOther, "other session after password change")
	mustStatus(t, app.client().post("/login", url.Values{"email": {sales.Email}, "password": {"correct horse battery"}}), 422, "old password")
	// Sign out everywhere: this session and every other one.
	third := app.client()
	mustStatus(t, third.post("/login", url.Values{"email": {sales.Email}, "password": {"a new long passphrase"}}), 303, "login")
	mustStatus(t, c.post("/account/sessions", nil), 303, "sign out everywhere")
	mustStatus(t, c.get("/"), http.StatusSeeOther, "this session")
	mustStatus(t, third.get("/"), http.StatusSeeOther, "another session")
}
