package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// customerFixture is a tenant with workgroups: Mona manages North, where
// Ann sells; Bob sells in South. Ann's lead is with Alder (contact Ann
// Alder), Bob's with Birch (contact Bo Birch).
type customerFixture struct {
	app                             *testApp
	admin, manager, ann, bob, other crm.User
	annLead, bobLead                crm.ProjectID
	alder, birch, annAlder, boBirch int64
	alderURL, birchURL, annAlderURL string
	boBirchURL                      string
}

func newCustomerFixture(t *testing.T) *customerFixture {
	t.Helper()
	app := newTestApp(t, Config{})
	ctx := context.Background()
	f := &customerFixture{app: app}
	f.admin = app.db.Tenant(t, "Harbor Solar")
	f.manager = app.db.User(t, f.admin, crm.RoleManager, "Mona Manager")
	f.ann = app.db.User(t, f.admin, crm.RoleSales, "Ann Rep")
	f.bob = app.db.User(t, f.admin, crm.RoleSales, "Bob Rep")
	f.other = app.db.Tenant(t, "Other Solar")
	tenant := f.admin.TenantID
	north, err := app.db.CreateWorkgroup(ctx, tenant, f.admin.ID, "North")
	if err != nil {
		t.Fatal(err)
	}
	south, err := app.db.CreateWorkgroup(ctx, tenant, f.admin.ID, "South")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		group   int64
		user    crm.User
		manager bool
	}{{north, f.manager, true}, {north, f.ann, false}, {south, f.bob, false}} {
		if err := app.db.SetMember(ctx, tenant, f.admin.ID, m.group, m.user.ID, m.manager); err != nil {
			t.Fatal(err)
		}
	}
	f.annLead = app.db.LeadForm(t, pgtest.ActorOf(f.ann), crm.LeadForm{Title: "Alder roof", Account: crm.Account{Name: "Alder Orchard"},
		Contact: crm.Contact{Name: "Ann Alder", Email: "ann@alder.example", Phone: "+1 555 0101"}, Value: "100"})
	f.bobLead = app.db.LeadForm(t, pgtest.ActorOf(f.bob), crm.LeadForm{Title: "Birch battery", Account: crm.Account{Name: "Birch Dairy"},
		Contact: crm.Contact{Name: "Bo Birch", Email: "bo@birch.example"}, Value: "100"})
	f.alder, f.annAlder = f.customerOf(t, f.annLead)
	f.birch, f.boBirch = f.customerOf(t, f.bobLead)
	f.alderURL, f.annAlderURL = fmt.Sprintf("/accounts/%d", f.alder), fmt.Sprintf("/contacts/%d", f.annAlder)
	f.birchURL, f.boBirchURL = fmt.Sprintf("/accounts/%d", f.birch), fmt.Sprintf("/contacts/%d", f.boBirch)
	return f
}

func (f *customerFixture) customerOf(t *testing.T, p crm.ProjectID) (account, contact int64) {
	t.Helper()
	account = scalar[int64](t, f.app, f.admin, `SELECT account_id FROM projects WHERE id = $1`, p)
	contact = scalar[int64](t, f.app, f.admin, `SELECT contact_id FROM projects WHERE id = $1`, p)
	return account, contact
}

func (f *customerFixture) as(u crm.User) *client {
	c := f.app.client()
	c.login(u)
	return c
}

// snapshot is what a refused request must leave as it was: Ann's customer
// records and every log.
func (f *customerFixture) snapshot(t *testing.T) string {
	t.Helper()
	return scalar[string](t, f.app, f.admin, `SELECT concat_ws('|',
		(SELECT name || email || phone || address FROM accounts WHERE id = $1),
		(SELECT name || email || phone FROM contacts WHERE id = $2),
		(SELECT count(*) FROM contacts), (SELECT count(*) FROM project_log), (SELECT count(*) FROM audit_log))`, f.alder, f.annAlder)
}

var requestIDs = regexp.MustCompile(`<code>[^<]*</code>`)

// selectNamed is the select element named name on the page.
func selectNamed(t *testing.T, page, name string) string {
	t.Helper()
	s := regexp.MustCompile(`<select id="` + regexp.QuoteMeta(name) + `"[^>]*>.*?</select>`).FindString(page)
	if s == "" {
		t.Fatalf("no select %s on the page", name)
	}
	return s
}

// Bob asks for Ann's customer by every route: the answer is the one for a
// record that does not exist, and nothing changes.
func TestAnotherRepsCustomersAreNotFound(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	bob := f.as(f.bob)
	bob.get("/") // takes the welcome flash
	missing := requestIDs.ReplaceAllString(bob.get("/accounts/999999999").body, "")
	before := f.snapshot(t)
	for _, path := range []string{f.alderURL, f.annAlderURL} {
		res := bob.get(path)
		if res.status != http.StatusNotFound {
			t.Errorf("GET %s as another rep: %d, want 404", path, res.status)
		}
		mustNotContain(t, res.body, "Alder")
		if body := requestIDs.ReplaceAllString(res.body, ""); body != missing {
			t.Errorf("GET %s as another rep differs from a missing record's page", path)
		}
	}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{f.alderURL, url.Values{"name": {"Hijacked"}, "email": {"x@evil.example"}}},
		{f.annAlderURL, url.Values{"name": {"Ann Alder"}, "email": {"bob@evil.example"}}},
		{f.alderURL + "/contacts", url.Values{"contact_name": {"Spy"}, "contact_email": {"spy@evil.example"}}},
		// Bad input does not confirm the record exists with a 422 either.
		{f.alderURL, url.Values{"name": {""}, "email": {"nope"}}},
		{f.annAlderURL, url.Values{"name": {""}}},
		{f.alderURL + "/contacts", url.Values{"contact_name": {""}}},
	} {
		if res := bob.post(tc.path, tc.form); res.status != http.StatusNotFound {
			t.Errorf("POST %s %v as another rep: %d, want 404", tc.path, tc.form, res.status)
		}
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("refused requests changed Ann's customer or the logs: %s, was %s", after, before)
	}
	// Ann still reaches both.
	ann := f.as(f.ann)
	for _, path := range []string{f.alderURL, f.annAlderURL} {
		if res := ann.get(path); res.status != http.StatusOK {
			t.Errorf("GET %s as its rep: %d", path, res.status)
		}
	}
	// Another tenant's admin finds neither.
	other := f.as(f.other)
	for _, path := range []string{f.alderURL, f.annAlderURL} {
		if res := other.get(path); res.status != http.StatusNotFound {
			t.Errorf("GET %s from another tenant: %d", path, res.status)
		}
		if res := other.post(path, url.Values{"name": {"Hijack"}}); res.status != http.StatusNotFound {
			t.Errorf("POST %s from another tenant: %d", path, res.status)
		}
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("another tenant changed Ann's customer or the logs: %s, was %s", after, before)
	}
}

// The account list, its search and the new-lead form offer Bob his own
// customers only.
func TestAccountListAndLeadPickerKeepToVisibleCustomers(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	bob := f.as(f.bob)
	list := bob.get("/accounts")
	mustContain(t, list.body, "Birch Dairy", `href="`+f.birchURL+`"`)
	mustNotContain(t, list.body, "Alder Orchard", f.alderURL)
	mustNotContain(t, bob.get("/accounts?q=alder").body, "Alder Orchard", f.alderURL)
	mustNotContain(t, bob.get("/accounts?q=ann%40alder").body, "Alder Orchard")
	mustContain(t, bob.get("/accounts?q=birch").body, "Birch Dairy")
	picker := bob.get("/projects/new/customers?customer_q=b").body
	mustContain(t, picker, "Birch Dairy", fmt.Sprintf(`name="pick_account" value="%d"`, f.birch))
	mustNotContain(t, bob.get("/projects/new/customers?customer_q=a").body, "Alder Orchard", fmt.Sprintf(`value="%d"`, f.alder))
	// Asking for Ann's account in the URL is not found; Bob's own lists its contacts.
	if res := bob.get(fmt.Sprintf("/projects/new?account=%d", f.alder)); res.status != http.StatusNotFound {
		t.Errorf("the form on Ann's account for Bob: %d, want 404", res.status)
	} else {
		mustNotContain(t, res.body, "Ann Alder", "Alder Orchard")
	}
	mustContain(t, selectNamed(t, bob.get(fmt.Sprintf("/projects/new?account=%d", f.birch)).body, "contact_id"), "Bo Birch")
	// Nor does a lead attach Ann's account or contact.
	for _, form := range []url.Values{
		{"title": {"Sneaky"}, "account_id": {fmt.Sprint(f.alder)}},
		{"title": {"Sneaky"}, "account_id": {fmt.Sprint(f.alder)}, "contact_id": {fmt.Sprint(f.annAlder)}},
	} {
		if res := bob.post("/projects/new", form); res.status != http.StatusNotFound {
			t.Errorf("a lead on Ann's customer %v: %d, want 404", form, res.status)
		}
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM projects WHERE title = 'Sneaky'`); n != 0 {
		t.Errorf("%d leads attached Ann's customer", n)
	}
	// Ann finds hers.
	ann := f.as(f.ann)
	mustContain(t, ann.get("/accounts?q=alder").body, "Alder Orchard")
	mustNotContain(t, ann.get("/accounts").body, "Birch Dairy")
}

// Bob types Ann's contact's e-mail on a new lead: he is told a contact with
// it exists, not whose, nor where.
func TestDuplicateWarningHidesAnotherRepsContact(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	bob := f.as(f.bob)
	form := url.Values{"title": {"Orchard heat pump"}, "account_name": {"Orchard people"}, "contact_name": {"A. Person"},
		"contact_email": {"ANN@alder.example"}, "value": {"9,000"}}
	res := bob.post("/projects/new", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate of another rep's contact: %d", res.status)
	}
	mustContain(t, res.body, "A contact with this e-mail exists, owned by another rep.", "Orchard heat pump", `name="confirm_duplicate"`)
	mustNotContain(t, res.body, "Ann Alder", "Alder Orchard", f.annAlderURL, f.alderURL, "+1 555 0101")
	// The same by phone.
	form.Set("contact_email", "")
	form.Set("contact_phone", "+15550101")
	res = bob.post("/projects/new", form)
	mustContain(t, res.body, "A contact with this phone number exists, owned by another rep.")
	mustNotContain(t, res.body, "Ann Alder", f.annAlderURL)
	// Confirmed, the lead is created with a contact of its own.
	form.Set("confirm_duplicate", "1")
	if res = bob.post("/projects/new", form); res.status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d", res.status)
	}
	// Ann's own contact keeps its name and link in her warning.
	ann := f.as(f.ann)
	res = ann.post("/projects/new", url.Values{"title": {"Second roof"}, "account_name": {"Alder again"}, "contact_name": {"Ann"},
		"contact_email": {"ann@alder.example"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("Ann's duplicate: %d", res.status)
	}
	mustContain(t, res.body, `href="`+f.annAlderURL+`"`, "Ann Alder", `href="`+f.alderURL+`"`, "Alder Orchard")
	mustNotContain(t, res.body, "owned by another rep")
}

// Ann creates an account before any project: she sees and edits it, adds a
// contact, and the changes are audited; Bob and Mona do not see it.
func TestSalespersonsOwnAccountWithoutProject(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	ann := f.as(f.ann)
	res := ann.post("/accounts/new", url.Values{"name": {"Cedar Mill"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("new account: %d", res.status)
	}
	acc := res.header.Get("Location")
	mustContain(t, ann.get("/accounts").body, "Cedar Mill")
	if res = ann.post(acc, url.Values{"name": {"Cedar Mill"}, "email": {"bad@"}}); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad e-mail: %d", res.status)
	} else {
		mustContain(t, res.body, `value="bad@"`, `id="email-error"`)
	}
	if res = ann.post(acc, url.Values{"name": {"Cedar Mill"}, "email": {"hello@cedar.example"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit own account: %d", res.status)
	}
	if res = ann.post(acc+"/contacts", url.Values{"contact_name": {"Cy Cedar"}, "contact_email": {"cy@cedar.example"}}); res.status != http.StatusSeeOther {
		t.Fatalf("add contact: %d", res.status)
	}
	page := ann.get(acc)
	mustContain(t, page.body, "hello@cedar.example", "Cy Cedar")
	contact := regexp.MustCompile(`/contacts/\d+`).FindString(page.body)
	if res = ann.post(contact, url.Values{"name": {"Cy Cedar"}, "phone": {"+1 555 0303"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit own contact: %d", res.status)
	}
	id := acc[len("/accounts/"):]
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM audit_log WHERE entity = 'account' AND entity_id = $1::bigint
		AND user_id = $2 AND ((action = 'created' AND new_value = 'Cedar Mill') OR (action = 'email' AND new_value = 'hello@cedar.example'))`,
		id, f.ann.ID); n != 2 {
		t.Errorf("audit entries for Ann's account: %d, want its creation and the e-mail", n)
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM audit_log WHERE entity = 'contact' AND user_id = $1
		AND action = 'phone' AND new_value = '+1 555 0303'`, f.ann.ID); n != 1 {
		t.Errorf("audit entries for Ann's contact's phone: %d", n)
	}
	for _, u := range []crm.User{f.bob, f.manager} {
		c := f.as(u)
		mustNotContain(t, c.get("/accounts").body, "Cedar Mill")
		for _, path := range []string{acc, contact} {
			if res := c.get(path); res.status != http.StatusNotFound {
				t.Errorf("GET %s as %s: %d, want 404", path, u.Name, res.status)
			}
		}
	}
}

// Mona sees the customers of her workgroup's projects, not the others';
// the admin sees every account, with or without projects.
func TestManagerAndAdminCustomers(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	// An account no project links to, created by Bob.
	bob := f.as(f.bob)
	res := bob.post("/accounts/new", url.Values{"name": {"Dogwood Farm"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("new account: %d", res.status)
	}
	dogwood := res.header.Get("Location")

	mona := f.as(f.manager)
	list := mona.get("/accounts")
	mustContain(t, list.body, "Alder Orchard")
	mustNotContain(t, list.body, "Birch Dairy", "Dogwood Farm")
	for path, want := range map[string]int{f.alderURL: 200, f.annAlderURL: 200, f.birchURL: 404, f.boBirchURL: 404, dogwood: 404} {
		if res := mona.get(path); res.status != want {
			t.Errorf("GET %s as the manager: %d, want %d", path, res.status, want)
		}
	}
	mustNotContain(t, mona.get("/projects/new").body, "Birch Dairy")

	admin := f.as(f.admin)
	mustContain(t, admin.get("/accounts").body, "Alder Orchard", "Birch Dairy", "Dogwood Farm")
	for _, path := range []string{f.alderURL, f.annAlderURL, f.birchURL, f.boBirchURL, dogwood} {
		if res := admin.get(path); res.status != http.StatusOK {
			t.Errorf("GET %s as the admin: %d", path, res.status)
		}
	}
	// The admin's edit of Bob's contact is on Bob's project and in the audit.
	if res := admin.post(f.boBirchURL, url.Values{"name": {"Bo Birch"}, "email": {"bo@birch-dairy.example"}}); res.status != http.StatusSeeOther {
		t.Fatalf("admin edits a contact: %d", res.status)
	}
	mustContain(t, bob.get(fmt.Sprintf("/projects/%d/log", f.bobLead)).body,
		"Contact “Bo Birch”: e-mail bo@birch.example → bo@birch-dairy.example", "Harbor Solar Admin")
	audit := admin.get("/admin/audit?entity=contact")
	mustContain(t, audit.body, "Contact", "Bo Birch", "bo@birch-dairy.example")
}

// Ann's edit of her customer is on her project's log, in English and in
// Chinese, and in the audit; bad input comes back with what she typed.
func TestCustomerEditIsLogged(t *testing.T) {
	t.Parallel()
	f := newCustomerFixture(t)
	ann := f.as(f.ann)
	res := ann.post(f.annAlderURL, url.Values{"name": {"Ann Alder"}, "email": {"not an e-mail"}, "phone": {"+1 555 0101"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad contact e-mail: %d", res.status)
	}
	mustContain(t, res.body, `value="not an e-mail"`, `id="email-error"`)
	if res = ann.post(f.annAlderURL, url.Values{"name": {"Ann Alder"}, "email": {"ann@alder-farm.example"}, "phone": {"+1 555 0101"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit contact: %d", res.status)
	}
	if res = ann.post(f.alderURL, url.Values{"name": {"Alder Farm"}}); res.status != http.StatusSeeOther {
		t.Fatalf("edit account: %d", res.status)
	}
	logURL := fmt.Sprintf("/projects/%d/log", f.annLead)
	log := ann.get(logURL)
	mustContain(t, log.body, "Contact “Ann Alder”: e-mail ann@alder.example → ann@alder-farm.example",
		"Account “Alder Farm”: name Alder Orchard → Alder Farm", "Ann Rep")
	// The Sales screen and the workspace show the new name.
	mustContain(t, ann.get("/").body, "Alder Farm")
	if err := f.app.db.UpdateAccount(context.Background(), f.ann.TenantID, f.ann.ID, f.ann.Name, "zh-Hans"); err != nil {
		t.Fatal(err)
	}
	mustContain(t, ann.get(logURL).body, "联系人“Ann Alder”：电子邮箱 ann@alder.example → ann@alder-farm.example",
		"客户“Alder Farm”：名称 Alder Orchard → Alder Farm")
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM audit_log WHERE user_id = $1 AND
		((entity = 'contact' AND entity_id = $2 AND action = 'email' AND old_value = 'ann@alder.example')
		 OR (entity = 'account' AND entity_id = $3 AND action = 'name' AND old_value = 'Alder Orchard' AND new_value = 'Alder Farm'))`,
		f.ann.ID, f.annAlder, f.alder); n != 2 {
		t.Errorf("audit entries: %d, want 2", n)
	}
	// Bob's project, on another account, has none of it.
	mustNotContain(t, f.as(f.bob).get(fmt.Sprintf("/projects/%d/log", f.bobLead)).body, "Alder")
}

// TestDuplicatePhoneInTenantsCountry: a phone typed without a country code
// is read in the tenant's country (set in Settings), so that it matches the
// same number typed in international form; a bad country is a 422.
func TestDuplicatePhoneInTenantsCountry(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Acme")
	c := app.client()
	c.login(admin)
	settings := url.Values{"name": {"Acme"}, "currency": {"USD"}, "time_zone": {"UTC"}, "stagnant_days": {"14"}, "country": {"XX"}}
	if res := c.post("/admin/settings", settings); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad country: %d", res.status)
	}
	settings.Set("country", "US")
	if res := c.post("/admin/settings", settings); res.status != http.StatusSeeOther {
		t.Fatalf("settings: %d\n%s", res.status, res.body)
	}
	mustContain(t, c.get("/admin/settings").body, `<option value="US" selected>`)
	form := url.Values{"title": {"Solar for Park"}, "account_name": {"Park family"}, "contact_name": {"Jin Park"},
		"contact_phone": {"+1 555 481 0380"}}
	if res := c.post("/projects/new", form); res.status != http.StatusSeeOther {
		t.Fatalf("new lead: %d\n%s", res.status, res.body)
	}
	form.Set("contact_phone", "(555) 481-0380")
	res := c.post("/projects/new", form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate in national form: %d", res.status)
	}
	mustContain(t, res.body, "Jin Park", "/contacts/")
}
