package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/pgtest"
)

// newPickerFixture is the customer fixture with its record lookups given
// time enough for a loaded test machine.
func newPickerFixture(t *testing.T) *customerFixture {
	t.Helper()
	f := newCustomerFixture(t)
	f.app.db.SetRecordSearchTime(time.Minute)
	return f
}

// pickButtons are the values of the picker's buttons named name on page.
func pickButtons(page, name string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`name="`+name+`" value="(\d+)"`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// The type-ahead finds the accounts and contacts the viewer may see, by
// name, e-mail or phone, each a button choosing it; Bob does not find Ann's
// customers by any of them, Mona finds her workgroup's only, another
// tenant finds nothing.
func TestCustomerSearchKeepsToVisibleCustomers(t *testing.T) {
	t.Parallel()
	f := newPickerFixture(t)
	search := func(c *client, q string) string {
		t.Helper()
		res := c.get("/projects/new/customers?customer_q=" + url.QueryEscape(q))
		if res.status != http.StatusOK {
			t.Fatalf("search %q: %d", q, res.status)
		}
		return res.body
	}
	bob, ann, mona, other := f.as(f.bob), f.as(f.ann), f.as(f.manager), f.as(f.other)
	page := search(bob, "birch")
	mustContain(t, page, "Birch Dairy", "1 contact")
	if got := pickButtons(page, "pick_account"); len(got) != 1 || got[0] != fmt.Sprint(f.birch) {
		t.Errorf("Bob's accounts for birch: %v, want [%d]", got, f.birch)
	}
	page = search(bob, "Bo b")
	mustContain(t, page, "Bo Birch", "Birch Dairy", "bo@birch.example")
	if got := pickButtons(page, "pick_contact"); len(got) != 1 || got[0] != fmt.Sprint(f.boBirch) {
		t.Errorf("Bob's contacts for bo b: %v, want [%d]", got, f.boBirch)
	}
	f.app.db.LeadForm(t, pgtest.ActorOf(f.ann), crm.LeadForm{Title: "Alder barn", Value: "1", AccountID: fmt.Sprint(f.alder),
		Contact: crm.Contact{Name: "Al Alder", Phone: "+1 555 481 0380"}})
	for _, q := range []string{"alder", "ann", "al ", "ann@alder.example", "+1 555 481", "+1 (555) 481-0380"} {
		page := search(bob, q)
		mustNotContain(t, page, "Alder", "Ann", fmt.Sprint(f.alder), "pick_")
		mustContain(t, page, "No account or contact you can see matches that.")
	}
	mustContain(t, search(ann, "alder"), "Alder Orchard")
	mustContain(t, search(ann, "+1 (555) 481"), "Al Alder", "Alder Orchard")
	mustContain(t, search(mona, "a"), "Alder Orchard", "Ann Alder")
	mustNotContain(t, search(mona, "b"), "Birch")
	for _, q := range []string{"a", "b", "alder", "birch", "ann@alder.example"} {
		if page := search(other, q); strings.Contains(page, "pick_") || strings.Contains(page, "Alder") || strings.Contains(page, "Birch") {
			t.Errorf("another tenant's search for %q found Harbor Solar's customers", q)
		}
	}
	// Nothing typed: nothing searched, nothing said.
	if page := search(bob, "  "); strings.TrimSpace(page) != "" {
		t.Errorf("an empty search answered %q", page)
	}
	// In Chinese too.
	req, _ := http.NewRequest("GET", f.app.ts.URL+"/projects/new/customers?customer_q=zzz", nil)
	req.Header.Set("Accept-Language", "zh-CN")
	mustContain(t, bob.do(req).body, "没有您可查看的")
}

// The search shows a bounded page, says there are more, and tells
// same-named accounts apart by what they hold.
func TestCustomerSearchIsBoundedAndTellsAccountsApart(t *testing.T) {
	t.Parallel()
	f := newPickerFixture(t)
	bob := f.as(f.bob)
	for i := range pickerLimit + 3 {
		f.app.db.LeadForm(t, pgtest.ActorOf(f.bob), crm.LeadForm{Title: fmt.Sprint("Elm ", i), Value: "1",
			Account: crm.Account{Name: fmt.Sprintf("Elm Street %02d", i)}})
	}
	page := bob.get("/projects/new/customers?customer_q=elm").body
	if got := pickButtons(page, "pick_account"); len(got) != pickerLimit {
		t.Errorf("%d accounts shown, want %d", len(got), pickerLimit)
	}
	mustContain(t, page, "There are more matches")
	mustContain(t, bob.get("/projects/new/customers?customer_q=elm+street+1").body, "Elm Street 10")
	mustNotContain(t, bob.get("/projects/new/customers?customer_q=elm+street+1").body, "There are more matches")

	f.app.db.LeadForm(t, pgtest.ActorOf(f.bob), crm.LeadForm{Title: "Oak 1", Value: "1",
		Account: crm.Account{Name: "Oak Farm", Email: "north@oak.example", Address: "1 North Lane"},
		Contact: crm.Contact{Name: "Olive Oak"}})
	f.app.db.LeadForm(t, pgtest.ActorOf(f.bob), crm.LeadForm{Title: "Oak 2", Value: "1",
		Account: crm.Account{Name: "Oak Farm", Phone: "+1 555 777 0000", Address: "9 South Road"}})
	page = bob.get("/projects/new/customers?customer_q=oak+farm").body
	if got := pickButtons(page, "pick_account"); len(got) != 2 {
		t.Fatalf("two Oak Farms: %v", got)
	}
	mustContain(t, page, "north@oak.example", "1 North Lane", "1 contact", "+1 555 777 0000", "9 South Road", "0 contacts")
}

// Without JavaScript: Find brings the form back with the matches as
// buttons and every typed field kept; choosing an account lists its
// contacts; choosing a contact chooses its account too; Change goes back;
// the lead is created on the chosen account and contact. With htmx the
// same answers carry the customer part the page swaps in.
func TestPickAccountAndContactOnTheLeadForm(t *testing.T) {
	t.Parallel()
	f := newPickerFixture(t)
	bob := f.as(f.bob)
	typed := url.Values{"title": {"Barn roof"}, "value": {"12,000"}, "scope": {"South-facing barn"},
		"account_name": {"Half-typed account"}, "customer_q": {"birch"}}
	with := func(extra ...string) url.Values {
		v := url.Values{}
		for k, vs := range typed {
			v[k] = vs
		}
		for i := 0; i < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	res := bob.post("/projects/new", with("find", "1"))
	if res.status != http.StatusOK {
		t.Fatalf("find: %d", res.status)
	}
	mustContain(t, res.body, `value="Barn roof"`, `value="12,000"`, "South-facing barn", `value="Half-typed account"`, `value="birch"`, "Birch Dairy")
	if got := pickButtons(res.body, "pick_account"); len(got) != 1 || got[0] != fmt.Sprint(f.birch) {
		t.Fatalf("find birch: %v", got)
	}
	// Choose the account: its contacts to pick from, the typed fields kept.
	res = bob.postRaw("/projects/new", with("pick_account", fmt.Sprint(f.birch)).Encode(), http.Header{"Hx-Request": {"true"}})
	if res.status != http.StatusOK {
		t.Fatalf("pick account: %d", res.status)
	}
	mustContain(t, res.body, `id="customer"`, fmt.Sprintf(`name="account_id" value="%d"`, f.birch), `value="Barn roof"`,
		`name="account_name" value="Half-typed account"`)
	mustContain(t, selectNamed(t, res.body, "contact_id"), fmt.Sprintf(`<option value="%d">Bo Birch · bo@birch.example</option>`, f.boBirch))
	// Change: back to the search and the new account typed before.
	res = bob.post("/projects/new", with("account_id", fmt.Sprint(f.birch), "pick_account", "0"))
	mustContain(t, res.body, `id="customer_q"`, `id="account_name"`, `value="Half-typed account"`)
	mustNotContain(t, res.body, fmt.Sprintf(`name="account_id" value="%d"`, f.birch))
	// Choose the contact: its account is chosen with it.
	res = bob.post("/projects/new", with("pick_contact", fmt.Sprint(f.boBirch)))
	if res.status != http.StatusOK {
		t.Fatalf("pick contact: %d", res.status)
	}
	mustContain(t, res.body, fmt.Sprintf(`name="account_id" value="%d"`, f.birch))
	mustContain(t, selectNamed(t, res.body, "contact_id"), fmt.Sprintf(`<option value="%d" selected>`, f.boBirch))
	// Ann's account and contact cannot be chosen by Bob, nor another tenant's.
	for _, form := range []url.Values{with("pick_account", fmt.Sprint(f.alder)), with("pick_contact", fmt.Sprint(f.annAlder)),
		with("use_contact", fmt.Sprint(f.annAlder)), with("pick_contact", "x")} {
		if res := bob.post("/projects/new", form); res.status != http.StatusNotFound {
			t.Errorf("%v as Bob: %d, want 404", form, res.status)
		} else {
			mustNotContain(t, res.body, "Alder")
		}
	}
	if res := f.as(f.other).post("/projects/new", with("pick_account", fmt.Sprint(f.birch))); res.status != http.StatusNotFound {
		t.Errorf("another tenant picks Bob's account: %d", res.status)
	}
	if res := bob.get(fmt.Sprintf("/projects/new?account=%d", f.alder)); res.status != http.StatusNotFound {
		t.Errorf("the form on Ann's account for Bob: %d", res.status)
	}
	// Create on the chosen contact: no new account or contact.
	contacts := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM contacts`)
	accounts := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM accounts`)
	res = bob.post("/projects/new", with("account_id", fmt.Sprint(f.birch), "contact_id", fmt.Sprint(f.boBirch)))
	if res.status != http.StatusSeeOther {
		t.Fatalf("create: %d\n%s", res.status, res.body)
	}
	id := strings.TrimPrefix(res.header.Get("Location"), "/projects/")
	if got := scalar[string](t, f.app, f.admin, `SELECT account_id || '/' || contact_id FROM projects WHERE id = $1::bigint`, id); got != fmt.Sprintf("%d/%d", f.birch, f.boBirch) {
		t.Errorf("the lead's customer: %s", got)
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM contacts`); n != contacts {
		t.Errorf("contacts %d, was %d", n, contacts)
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM accounts`); n != accounts {
		t.Errorf("accounts %d, was %d", n, accounts)
	}
}

// The duplicate warning's "use this contact" fills the form with the
// existing contact and its account; the lead is then created for them,
// with no new contact. Another rep's contact offers no such button.
func TestUseThisContactFromTheDuplicateWarning(t *testing.T) {
	t.Parallel()
	f := newPickerFixture(t)
	ann := f.as(f.ann)
	typed := url.Values{"title": {"Orchard battery"}, "value": {"7,500"}, "account_name": {"Alder family"},
		"contact_name": {"Ann A."}, "contact_email": {"ANN@alder.example"}}
	res := ann.post("/projects/new", typed)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("duplicate: %d", res.status)
	}
	if got := pickButtons(res.body, "use_contact"); len(got) != 1 || got[0] != fmt.Sprint(f.annAlder) {
		t.Fatalf("use-this-contact buttons: %v, want [%d]", got, f.annAlder)
	}
	mustContain(t, res.body, "Use this contact")
	use := url.Values{}
	for k, v := range typed {
		use[k] = v
	}
	use.Set("use_contact", fmt.Sprint(f.annAlder))
	res = ann.post("/projects/new", use)
	if res.status != http.StatusOK {
		t.Fatalf("use this contact: %d", res.status)
	}
	mustContain(t, res.body, `value="Orchard battery"`, `value="7,500"`, fmt.Sprintf(`name="account_id" value="%d"`, f.alder), "Alder Orchard")
	mustContain(t, selectNamed(t, res.body, "contact_id"), fmt.Sprintf(`<option value="%d" selected>`, f.annAlder))
	mustNotContain(t, res.body, `value="ANN@alder.example"`, `value="Ann A."`)
	// Submitting the filled form (as the browser would) creates the lead on Ann Alder.
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*? name="([a-z_]+)"[^>]*? value="([^"]*)"`).FindAllStringSubmatch(res.body, -1) {
		form.Set(m[1], m[2])
	}
	form.Set("contact_id", fmt.Sprint(f.annAlder))
	form.Set("value", "7,500")
	contacts := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM contacts`)
	res = ann.post("/projects/new", form)
	if res.status != http.StatusSeeOther {
		t.Fatalf("create after use: %d\n%s", res.status, res.body)
	}
	id := strings.TrimPrefix(res.header.Get("Location"), "/projects/")
	if got := scalar[string](t, f.app, f.admin, `SELECT account_id || '/' || contact_id FROM projects WHERE id = $1::bigint`, id); got != fmt.Sprintf("%d/%d", f.alder, f.annAlder) {
		t.Errorf("the lead's customer: %s, want %d/%d", got, f.alder, f.annAlder)
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM contacts`); n != contacts {
		t.Errorf("a contact was created: %d, was %d", n, contacts)
	}
	if n := scalar[int64](t, f.app, f.admin, `SELECT count(*) FROM accounts WHERE name = 'Alder family'`); n != 0 {
		t.Errorf("the typed new account was created")
	}
	// Bob's warning about Ann's contact has nothing to use.
	typed.Set("title", "Bob's try")
	res = f.as(f.bob).post("/projects/new", typed)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("Bob's duplicate: %d", res.status)
	}
	mustNotContain(t, res.body, `name="use_contact"`)
}
