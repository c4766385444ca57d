package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// TestForgotPassword: a user who forgot their password asks for a link on
// the log-in page, gets it by e-mail, and sets a new password with it; an
// unknown address is answered exactly like a known one (nothing mailed); a
// deactivated user gets nothing; the requests are throttled per address.
func TestForgotPassword(t *testing.T) {
	t.Parallel()
	mail := &sentMail{}
	app := newTestApp(t, Config{Mailer: mail})
	admin := app.db.Tenant(t, "Forgetful Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Fay Forgets")
	c := app.client()
	mustContain(t, c.get("/login").body, `href="/forgot"`)

	known := c.post("/forgot", url.Values{"email": {strings.ToUpper(rep.Email)}})
	unknown := c.post("/forgot", url.Values{"email": {"nobody@nowhere.example"}})
	if known.status != http.StatusOK || unknown.status != http.StatusOK {
		t.Fatalf("statuses %d and %d", known.status, unknown.status)
	}
	same := func(body, email string) string { return strings.ReplaceAll(body, email, "EMAIL") }
	ka := regexp.MustCompile(`<p role="status" id="forgot-sent">[^<]*</p>`)
	if ka.FindString(same(known.body, strings.ToUpper(rep.Email))) != ka.FindString(same(unknown.body, "nobody@nowhere.example")) {
		t.Errorf("a known and an unknown address get different answers")
	}
	if len(mail.mail) != 1 || !strings.HasPrefix(mail.mail[0], rep.Email+"|") {
		t.Fatalf("mail sent: %q", mail.mail)
	}
	link := regexp.MustCompile(`http://[^/]+(/reset/\S+)`).FindStringSubmatch(mail.mail[0])
	if link == nil {
		t.Fatalf("no reset link in %q", mail.mail[0])
	}
	page := c.get(link[1])
	if page.status != http.StatusOK {
		t.Fatalf("reset link: %d", page.status)
	}
	res := c.post(link[1], url.Values{"password": {"a much newer password"}, "confirm": {"a much newer password"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("set the new password: %d\n%s", res.status, res.body)
	}
	fresh := app.client()
	if res := fresh.post("/login", url.Values{"email": {rep.Email}, "password": {pgtest.Password}}); res.status == http.StatusSeeOther {
		t.Errorf("the old password still works")
	}
	if res := fresh.post("/login", url.Values{"email": {rep.Email}, "password": {"a much newer password"}}); res.status != http.StatusSeeOther {
		t.Errorf("the new password does not work: %d", res.status)
	}

	gone := app.db.User(t, admin, crm.RoleSales, "Gus Gone")
	a := app.client()
	a.login(admin)
	if res := a.post("/admin/users/"+itoa(int64(gone.ID))+"/active", url.Values{"active": {"0"}}); res.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", res.status)
	}
	before := len(mail.mail)
	if res := c.post("/forgot", url.Values{"email": {gone.Email}}); res.status != http.StatusOK || len(mail.mail) != before {
		t.Errorf("a deactivated user: %d, %d mails", res.status, len(mail.mail)-before)
	}
	if res := c.post("/forgot", url.Values{"email": {"not an address"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad address: %d", res.status)
	}
	throttled := false
	for range 15 {
		if res := app.client().post("/forgot", url.Values{"email": {rep.Email}}); res.status == http.StatusTooManyRequests {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Errorf("requests for one address are not throttled")
	}
}
