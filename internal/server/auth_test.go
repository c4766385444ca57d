package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

func TestSignUpLandsOnTheSalesScreen(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	c := app.client()
	res := c.post("/signup", url.Values{"company": {"Sunrise Solar"}, "name": {"Ada Admin"},
		"email": {"Ada@Sunrise.example"}, "password": {"long enough passphrase"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/" {
		t.Fatalf("sign-up: %d → %q\n%s", res.status, res.header.Get("Location"), res.body)
	}
	home := c.get("/")
	if home.status != http.StatusOK {
		t.Fatalf("home: %d", home.status)
	}
	mustContain(t, home.body, "Sunrise Solar", "Ada Admin", "Sales screen", "Welcome to Pipewell")

	// The e-mail is stored lower-case, so log-in works with any case.
	c2 := app.client()
	res = c2.post("/login", url.Values{"email": {"ada@sunrise.EXAMPLE"}, "password": {"long enough passphrase"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("login after sign-up: %d", res.status)
	}
}

func TestSignUpCreatesTheDefaults(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	u := app.db.Tenant(t, "Defaults Inc")
	var milestones []string
	var won, qualifying, reasons, sources, statuses int
	err := app.db.Any.InTenant(context.Background(), u.TenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT name FROM milestone_defs WHERE tenant_id = $1 ORDER BY position", u.TenantID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n string
			_ = rows.Scan(&n)
			milestones = append(milestones, n)
		}
		rows.Close()
		return tx.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM milestone_defs WHERE won), (SELECT count(*) FROM milestone_defs WHERE qualifying),
			(SELECT count(*) FROM archive_reasons), (SELECT count(*) FROM lead_sources), (SELECT count(*) FROM milestone_statuses)`).
			Scan(&won, &qualifying, &reasons, &sources, &statuses)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(milestones, " → "); got != "Lead created → Lead qualified → Proposed → Sold" {
		t.Errorf("milestones = %s", got)
	}
	if won != 1 || qualifying != 1 || reasons == 0 || sources == 0 || statuses == 0 {
		t.Errorf("won %d, qualifying %d, reasons %d, sources %d, statuses %d", won, qualifying, reasons, sources, statuses)
	}
	if u.Role != crm.RoleAdmin {
		t.Errorf("first user role = %s", u.Role)
	}
}

// TestSignUpInChinese: a company that signs up in Chinese gets its default
// milestones, lists and example reports in Chinese; one in English, in
// English.
func TestSignUpInChinese(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	c := app.client()
	form := url.Values{"company": {"朝阳光伏"}, "name": {"王经理"}, "email": {"wang@chaoyang.example"}, "password": {"long enough passphrase"}}
	res := c.postRaw("/signup", form.Encode(), http.Header{"Accept-Language": {"zh-CN,zh;q=0.9"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d\n%s", res.status, res.body)
	}
	zh := crm.DefaultsFor("zh-Hans")
	mustContain(t, c.get("/admin/milestones").body, zh.Milestones[1].Name, zh.Milestones[1].EventTitle, zh.Milestones[3].Name)
	mustNotContain(t, c.get("/admin/milestones").body, crm.DefaultMilestones[1].Name)
	mustContain(t, c.get("/admin/lists/reasons").body, zh.ArchiveReasons[2])
	mustContain(t, c.get("/admin/lists/sources").body, zh.LeadSources[1])
	mustContain(t, c.get("/admin/lists/statuses").body, zh.Statuses[0])
	mustContain(t, c.get("/reports").body, zh.Reports[0], zh.Reports[1])

	en := app.client()
	form = url.Values{"company": {"Sunrise"}, "name": {"Ada"}, "email": {"ada@sunrise.example"}, "password": {"long enough passphrase"}}
	if res := en.postRaw("/signup", form.Encode(), http.Header{"Accept-Language": {"en-GB"}}); res.status != http.StatusSeeOther {
		t.Fatalf("sign-up in English: %d", res.status)
	}
	mustContain(t, en.get("/admin/milestones").body, crm.DefaultMilestones[1].Name)
	mustNotContain(t, en.get("/admin/milestones").body, zh.Milestones[1].Name)
}

func TestSignUpBadInput(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	taken := app.db.Tenant(t, "Taken")
	good := url.Values{"company": {"Acme"}, "name": {"Ann"}, "email": {"ann@acme.example"}, "password": {"long enough passphrase"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range good {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	cases := []struct {
		name    string
		form    url.Values
		field   string
		message string
	}{
		{"empty company", with("company", "  "), "company", "This field is required."},
		{"empty name", with("name", ""), "name", "This field is required."},
		{"empty email", with("email", ""), "email", "This field is required."},
		{"malformed email", with("email", "ann@"), "email", "Enter an e-mail address"},
		{"email with name", with("email", "Ann <ann@acme.example>"), "email", "Enter an e-mail address"},
		{"short password", with("password", "short"), "password", "The password is too short."},
		{"empty password", with("password", ""), "password", "This field is required."},
		{"long company", with("company", strings.Repeat("x", crm.MaxName+1)), "company", "at most 200 characters."},
		{"long password", with("password", strings.Repeat("p", crm.MaxPassword+1)), "password", "at most 256 characters."},
		{"control character", with("company", "Acme\x07"), "company", "not allowed"},
		{"non-UTF-8", with("name", "Ann\xff\xfe"), "name", "not allowed"},
		{"email taken", with("email", strings.ToUpper(taken.Email)), "email", "already registered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := app.client().post("/signup", tc.form)
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.status)
			}
			mustContain(t, res.body, tc.message, `id="`+tc.field+`-error"`)
			// The input is kept (except the password, never echoed).
			for _, k := range []string{"company", "name", "email"} {
				if k == tc.field && tc.name != "email taken" {
					continue
				}
				mustContain(t, res.body, `value="`+htmlEscape(tc.form.Get(k))+`"`)
			}
			if pw := tc.form.Get("password"); pw != "" {
				mustNotContain(t, res.body, `value="`+pw+`"`)
			}
		})
	}
	// Nothing was created by any failed attempt.
	res := app.client().post("/login", url.Values{"email": {"ann@acme.example"}, "password": {"long enough passphrase"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a failed sign-up left a user behind: login status %d", res.status)
	}
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}

func TestLoginSameMessageForUnknownAndWrong(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	u := app.db.Tenant(t, "Acme")
	wrong := app.client().post("/login", url.Values{"email": {u.Email}, "password": {"not the password"}})
	unknown := app.client().post("/login", url.Values{"email": {"nobody@nowhere.example"}, "password": {"not the password"}})
	for _, res := range []response{wrong, unknown} {
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", res.status)
		}
		mustContain(t, res.body, "E-mail or password is wrong.")
		mustNotContain(t, res.body, "not the password")
	}
	mustContain(t, wrong.body, `value="`+u.Email+`"`)
	empty := app.client().post("/login", url.Values{})
	if empty.status != http.StatusUnprocessableEntity {
		t.Fatalf("empty login: %d", empty.status)
	}
	mustContain(t, empty.body, `id="email-error"`, `id="password-error"`)
}

func TestLoginThrottledPerEmail(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{LoginPerEmail: 3, LoginPerIP: 100})
	u := app.db.Tenant(t, "Acme")
	for i := 0; i < 3; i++ {
		if res := app.client().post("/login", url.Values{"email": {u.Email}, "password": {"wrong password"}}); res.status != 422 {
			t.Fatalf("attempt %d: %d", i+1, res.status)
		}
	}
	res := app.client().post("/login", url.Values{"email": {u.Email}, "password": {"wrong password"}})
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d, want 429", res.status)
	}
	mustContain(t, res.body, "Too many attempts", `value="`+u.Email+`"`)
	// Even the right password waits out the window: the limiter cannot be used to test guesses.
	c := app.client()
	if res := c.post("/login", url.Values{"email": {u.Email}, "password": {"correct horse battery"}}); res.status != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: %d", res.status)
	}
	// Another account is not affected.
	other := app.db.Tenant(t, "Other")
	app.client().login(other)
}

func TestLoginThrottledPerIP(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{LoginPerEmail: 100, LoginPerIP: 4})
	for i := 0; i < 4; i++ {
		app.client().post("/login", url.Values{"email": {"x" + string(rune('a'+i)) + "@example.com"}, "password": {"whatever pass"}})
	}
	res := app.client().post("/login", url.Values{"email": {"fresh@example.com"}, "password": {"whatever pass"}})
	if res.status != http.StatusTooManyRequests {
		t.Fatalf("5th attempt from one IP: %d, want 429", res.status)
	}
}

func TestSessionRenewedOnLoginAndEndedOnLogout(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	u := app.db.Tenant(t, "Acme")
	c := app.client()
	c.get("/login?next=/") // anonymous page view; gets a session only if something is stored
	c.post("/login", url.Values{"email": {u.Email}, "password": {"wrong password"}})
	before := c.cookie()
	c.login(u)
	after := c.cookie()
	if after == "" || after == before {
		t.Fatalf("session token not renewed on login: before %q after %q", before, after)
	}
	if res := c.get("/"); res.status != 200 {
		t.Fatalf("home after login: %d", res.status)
	}
	// Log out, then replay the old cookie: it must be dead.
	if res := c.post("/logout", nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %s", res.status, res.header.Get("Location"))
	}
	replay := app.client()
	req, _ := http.NewRequest("GET", app.ts.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "pipewell_session", Value: after})
	if res := replay.do(req); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login") {
		t.Fatalf("old session after logout: %d → %s", res.status, res.header.Get("Location"))
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		app := newTestApp(t, Config{SecureCookies: secure})
		u := app.db.Tenant(t, "Acme")
		res := app.client().post("/login", url.Values{"email": {u.Email}, "password": {"correct horse battery"}})
		sc := res.header.Get("Set-Cookie")
		mustContain(t, sc, "HttpOnly", "SameSite=Lax", "Path=/")
		if secure {
			mustContain(t, sc, "__Host-pipewell_session=", "Secure")
		} else {
			mustNotContain(t, sc, "Secure")
		}
	}
}

func TestDeactivatedUserIsOutAtOnce(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	u := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(u)
	err := app.db.Any.InTenant(context.Background(), u.TenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), "UPDATE users SET active = false WHERE tenant_id = $1 AND id = $2", u.TenantID, u.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := c.get("/"); res.status != http.StatusSeeOther {
		t.Fatalf("deactivated user's next request: %d, want a redirect to log in", res.status)
	}
	if res := app.client().post("/login", url.Values{"email": {u.Email}, "password": {"correct horse battery"}}); res.status != 422 {
		t.Fatalf("deactivated user can log in: %d", res.status)
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	u := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(u)
	h := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	res := c.postRaw("/logout", "", h)
	if res.status != http.StatusForbidden {
		t.Fatalf("cross-origin logout: %d, want 403", res.status)
	}
	res = app.client().postRaw("/signup", url.Values{"company": {"X"}, "name": {"Y"}, "email": {"y@x.example"},
		"password": {"long enough passphrase"}}.Encode(), http.Header{"Origin": {"https://evil.example"}})
	if res.status != http.StatusForbidden {
		t.Fatalf("cross-origin sign-up: %d, want 403", res.status)
	}
	if res := c.get("/"); res.status != 200 {
		t.Fatalf("session should survive a rejected cross-origin logout: %d", res.status)
	}
}
