package csvfile

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

func headerOf(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(b), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Header
}

// TestSuggestRecordMappings reads the headers of our own accounts and
// contacts exports and of sample company and contact exports of HubSpot,
// Pipedrive and Salesforce (testdata, from their documented column names)
// and checks the suggested field of each column, and the kind detected.
func TestSuggestRecordMappings(t *testing.T) {
	for name, c := range map[string]struct {
		kind   Kind
		header []string
		want   map[string]Field
	}{
		"pipewell accounts": {KindAccounts, AccountColumns, map[string]Field{"id": FieldExternalID, "name": FieldName, "email": FieldEmail,
			"phone": FieldPhone, "address": FieldAddress, "created_at": FieldCreatedAt}},
		"pipewell contacts": {KindContacts, ContactColumns, map[string]Field{"id": FieldExternalID, "account_id": FieldAccountID,
			"account": FieldAccount, "name": FieldName, "email": FieldEmail, "phone": FieldPhone, "created_at": FieldCreatedAt}},
		"hubspot_companies.csv": {KindAccounts, headerOf(t, "hubspot_companies.csv"), map[string]Field{"Record ID": FieldExternalID,
			"Company name": FieldName, "Company Domain Name": FieldIgnore, "Phone Number": FieldPhone, "Street Address": FieldAddress,
			"City": FieldCity, "Country/Region": FieldCountry, "Company owner": FieldIgnore, "Create Date": FieldCreatedAt}},
		"hubspot_contacts.csv": {KindContacts, headerOf(t, "hubspot_contacts.csv"), map[string]Field{"Record ID": FieldExternalID,
			"First Name": FieldFirstName, "Last Name": FieldLastName, "Email": FieldEmail, "Phone Number": FieldPhone,
			"Mobile Phone Number": FieldIgnore, "Associated Company": FieldAccount, "Create Date": FieldCreatedAt}},
		"pipedrive_organizations.csv": {KindAccounts, headerOf(t, "pipedrive_organizations.csv"), map[string]Field{
			"Organization - ID": FieldExternalID, "Organization - Name": FieldName, "Organization - Address": FieldAddress,
			"Organization - Owner": FieldIgnore, "Organization - Add time": FieldCreatedAt}},
		"pipedrive_people.csv": {KindContacts, headerOf(t, "pipedrive_people.csv"), map[string]Field{"Person - ID": FieldExternalID,
			"Person - Name": FieldName, "Person - First name": FieldFirstName, "Person - Last name": FieldLastName,
			"Person - Email": FieldEmail, "Person - Phone": FieldPhone, "Person - Organization": FieldAccount,
			"Person - Owner": FieldIgnore, "Person - Add time": FieldCreatedAt}},
		"salesforce_accounts.csv": {KindAccounts, headerOf(t, "salesforce_accounts.csv"), map[string]Field{"Account ID": FieldExternalID,
			"Account Name": FieldName, "Phone": FieldPhone, "Billing Street": FieldAddress, "Billing City": FieldCity,
			"Billing Country": FieldCountry, "Website": FieldIgnore, "Created Date": FieldCreatedAt}},
		"salesforce_contacts.csv": {KindContacts, headerOf(t, "salesforce_contacts.csv"), map[string]Field{"Contact ID": FieldExternalID,
			"First Name": FieldFirstName, "Last Name": FieldLastName, "Email": FieldEmail, "Phone": FieldPhone, "Mobile": FieldIgnore,
			"Account Name": FieldAccount, "Account ID": FieldAccountID, "Title": FieldIgnore, "Created Date": FieldCreatedAt}},
	} {
		t.Run(name, func(t *testing.T) {
			if k := DetectKind(c.header); k != c.kind {
				t.Errorf("detected %q, want %q", k, c.kind)
			}
			m := SuggestRecords(c.kind, c.header)
			for i, h := range c.header {
				if want, ok := c.want[h]; ok && m[i] != want {
					t.Errorf("%q → %q, want %q", h, m[i], want)
				}
			}
			if len(c.want) == 0 {
				t.Fatal("nothing checked")
			}
		})
	}
}

// TestDetectKindOfProjectFiles: the deal and opportunity exports, and our
// own projects file, are still read as projects.
func TestDetectKindOfProjectFiles(t *testing.T) {
	var own bytes.Buffer
	w, err := NewProjectsWriter(&own, Lists{Defs: []crm.MilestoneDef{{ID: 1, Active: true, MilestoneSpec: crm.MilestoneSpec{Name: "Sold"}}}}, nil, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Flush()
	r, err := NewReader(bytes.NewReader(own.Bytes()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string][]string{"pipewell": r.Header}
	for _, f := range []string{"hubspot_deals.csv", "pipedrive_deals.csv", "salesforce_opportunities.csv"} {
		headers[f] = headerOf(t, f)
	}
	for name, h := range headers {
		if k := DetectKind(h); k != KindProjects {
			t.Errorf("%s: detected %q", name, k)
		}
	}
	if k := DetectKind([]string{"foo", "bar"}); k != KindProjects {
		t.Errorf("unknown header: %q", k)
	}
}

func decodeRecords(t *testing.T, k Kind, file string, create bool) []crm.RecordRow {
	t.Helper()
	r, err := NewReader(strings.NewReader(file), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	d := NewRecordDecoder(k, r.Header, SuggestRecords(k, r.Header), RecordLists{Loc: time.UTC, Now: now, Order: MonthFirst, Actor: 7,
		CreateAccounts: create})
	var rows []crm.RecordRow
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		var row crm.RecordRow
		d.Decode(rec, r.Line(), r.Formula, &row)
		rows = append(rows, row)
	}
	return rows
}

func errorsOf(r crm.RecordRow) []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Column+" "+e.Msg)
	}
	return out
}

// TestDecodeRecordErrors: each problem of a row is told on its column,
// with the messages of the account and contact forms.
func TestDecodeRecordErrors(t *testing.T) {
	rows := decodeRecords(t, KindAccounts, "id,name,email,phone,address,created_at\n"+
		"1,Berger AG,info@berger.example,+43 1 555,\"Hauptstraße 4\nWien\",2025-11-03T09:12:00Z\n"+
		"2,,info@x.example,,,\n"+
		"3,Nordlicht,not-an-address,abc,,2027-01-01\n"+
		"1,Again,,,,\n"+
		"4,=HYPERLINK(\"x\"),,,,yesterday\n", false)
	want := [][]string{
		nil,
		{"name " + crm.MsgRequired},
		{"email " + crm.MsgInvalidEmail, "phone " + crm.MsgInvalidPhone, "created_at " + MsgRowFuture},
		{"id " + crm.Msg(MsgRowDuplicateID, 2)},
		{"name " + MsgRowFormula, "name " + crm.MsgRequired, "created_at " + MsgValueInstant},
	}
	for i, r := range rows {
		if got := errorsOf(r); strings.Join(got, "; ") != strings.Join(want[i], "; ") {
			t.Errorf("line %d: %q, want %q", r.Line, got, want[i])
		}
	}
	a := rows[0].Account
	if a.Name != "Berger AG" || a.Email != "info@berger.example" || a.Address != "Hauptstraße 4\nWien" || a.ExternalID != "1" ||
		!a.CreatedAt.Equal(time.Date(2025, 11, 3, 9, 12, 0, 0, time.UTC)) || a.CreatedBy != 7 {
		t.Errorf("account %+v", a)
	}

	contacts := "Contact ID,First Name,Last Name,Email,Account Name,Account ID\n" +
		"c1,Lena,Berger,LENA@Berger.example,Berger AG,\n" +
		"c2,Tom,,tom@x.example,,\n" +
		"c3,,,,,a9\n" +
		"c4,Ann,Lee,ann@,,a9\n"
	rows = decodeRecords(t, KindContacts, contacts, false)
	want = [][]string{
		nil,
		{"Account Name " + MsgRowNoAccount},
		{"First Name " + crm.MsgRequired},
		{"Email " + crm.MsgInvalidEmail},
	}
	for i, r := range rows {
		if got := errorsOf(r); strings.Join(got, "; ") != strings.Join(want[i], "; ") {
			t.Errorf("line %d: %q, want %q", r.Line, got, want[i])
		}
	}
	if c := rows[0].Contact; c.Name != "Lena Berger" || c.Email != "lena@berger.example" || c.ExternalID != "c1" || rows[0].Account.Name != "Berger AG" {
		t.Errorf("contact %+v, account %+v", c, rows[0].Account)
	}
	if rows[2].AccountRef != "a9" {
		t.Errorf("account ref %q", rows[2].AccountRef)
	}
	// Missing accounts created: a contact without one gets its own (a household).
	rows = decodeRecords(t, KindContacts, contacts, true)
	if len(rows[1].Errors) != 0 || rows[1].Account.Name != "Tom" {
		t.Errorf("household: %q, account %+v", errorsOf(rows[1]), rows[1].Account)
	}
}

// TestDecodeAddressParts: an address exported in parts (HubSpot,
// Salesforce) is read as one address of lines — street, second line,
// postal code and city, region, country — with the empty parts left out;
// a part alone is an address too, and an address too long is told beside
// its first column.
func TestDecodeAddressParts(t *testing.T) {
	rows := decodeRecords(t, KindAccounts, "Company name,Street Address,Street Address 2,City,State/Region,Postal Code,Country/Region\n"+
		"Novak,Hauptstraße 4,Hof 2,Berlin,,10115,Germany\n"+
		"Weber,,,Wien,,,\n"+
		"Lee,1 Main St,,Springfield,IL,62701,United States\n"+
		"Long,"+strings.Repeat("x", crm.MaxAddress)+",,Berlin,,,\n", false)
	want := []string{"Hauptstraße 4\nHof 2\n10115 Berlin\nGermany", "Wien", "1 Main St\n62701 Springfield\nIL\nUnited States"}
	for i, w := range want {
		if got := rows[i].Account.Address; got != w || len(rows[i].Errors) != 0 {
			t.Errorf("line %d: address %q (%q), want %q", rows[i].Line, got, errorsOf(rows[i]), w)
		}
	}
	if got := errorsOf(rows[3]); len(got) != 1 || !strings.HasPrefix(got[0], "Street Address ") {
		t.Errorf("a long address: %q, want one message beside Street Address", got)
	}
}

// FuzzRecordDecoder reads any accounts or contacts file: every row
// decodes without a panic; a row without errors has a name that fits,
// and a contact an account to find or create.
func FuzzRecordDecoder(f *testing.F) {
	for _, s := range []string{"id,name,email,phone,address,created_at\n1,A,a@b.example,+1 555,x,2025-01-01\n",
		"First Name,Last Name,Email,Company\nA,B,c@d.example,E\n,,,\n", "name,account_id\n=1,\"a\nb\"\n", "Name\n\x00\n"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, file string, create bool) {
		for _, k := range []Kind{KindAccounts, KindContacts} {
			r, err := NewReader(strings.NewReader(file), ReadOptions{})
			if err != nil {
				return
			}
			d := NewRecordDecoder(k, r.Header, SuggestRecords(k, r.Header), RecordLists{Loc: time.UTC, Now: time.Now(),
				Order: DayFirst, Actor: 1, CreateAccounts: create})
			for {
				rec, err := r.Read()
				if err != nil {
					break
				}
				var row crm.RecordRow
				d.Decode(rec, r.Line(), r.Formula, &row)
				if len(row.Errors) > 0 {
					continue
				}
				name := row.Account.Name
				if k == KindContacts {
					name = row.Contact.Name
					if row.AccountRef == "" && row.Account.Name == "" && row.Account.Email == "" {
						t.Fatalf("a contact without an account passed: %+v", row)
					}
				}
				if name == "" || len([]rune(name)) > crm.MaxName {
					t.Fatalf("a name %q passed", name)
				}
			}
		}
	})
}
