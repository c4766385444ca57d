package csvfile

import (
	"errors"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// Kind is what an imported file holds.
type Kind string

// The kinds of file an import reads.
const (
	KindProjects Kind = "projects"
	KindAccounts Kind = "accounts"
	KindContacts Kind = "contacts"
)

// KindOf is the kind named s; ok is false for an unknown name.
func KindOf(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case KindProjects, KindAccounts, KindContacts:
		return k, true
	}
	return KindProjects, false
}

// The fields of an accounts or a contacts file besides those a projects
// file has too (FieldExternalID, FieldAccount, FieldAccountEmail,
// FieldCreatedAt).
const (
	FieldName      Field = "name"
	FieldFirstName Field = "first_name" // with FieldLastName, the name of a contact whose file has no full name
	FieldLastName  Field = "last_name"
	FieldEmail     Field = "email"
	FieldPhone     Field = "phone"
	FieldAddress   Field = "address"
	FieldAccountID Field = "account_id" // the contact's account by its ID in the file

	// An account's address in parts, as HubSpot and Salesforce export it:
	// with FieldAddress (the street) they make the address's lines.
	FieldAddress2   Field = "address_line2"
	FieldPostalCode Field = "postal_code"
	FieldCity       Field = "city"
	FieldRegion     Field = "region"
	FieldCountry    Field = "country"
)

// addressParts are the address fields in the order an address is written:
// street, second line, postal code and city on one line, region, country.
var addressParts = []Field{FieldAddress, FieldAddress2, FieldPostalCode, FieldCity, FieldRegion, FieldCountry}

// AccountFields and ContactFields are the fields of a records file in the
// order the mapping screen offers them.
var (
	AccountFields = []Field{FieldExternalID, FieldName, FieldEmail, FieldPhone, FieldAddress, FieldAddress2, FieldPostalCode,
		FieldCity, FieldRegion, FieldCountry, FieldCreatedAt}
	ContactFields = []Field{FieldExternalID, FieldName, FieldFirstName, FieldLastName, FieldEmail, FieldPhone,
		FieldAccountID, FieldAccount, FieldAccountEmail, FieldCreatedAt}
)

// KindFields are the fixed fields of a kind of file.
func KindFields(k Kind) []Field {
	switch k {
	case KindAccounts:
		return AccountFields
	case KindContacts:
		return ContactFields
	}
	return ProjectFields
}

// recordAliases are the header names read as each field of an accounts
// and of a contacts file: Pipewell's own export first (AccountColumns,
// ContactColumns), then HubSpot (companies, contacts), Pipedrive
// (organizations, people) and Salesforce (accounts, contacts: report and
// Data Loader names).
var recordAliases = map[Kind]map[Field][]string{
	KindAccounts: {
		FieldExternalID: {"external_id", "id", "Record ID", "Company ID", "Organization - ID", "Organization ID", "Account ID",
			"Account.Id", "Id"},
		FieldName: {"name", "Company name", "Name", "Organization - Name", "Organization name", "Account Name", "Account.Name",
			"Company", "Organization"},
		FieldEmail: {"email", "Email", "Company email", "Organization - Email", "Email address", "Account Email"},
		FieldPhone: {"phone", "Phone Number", "Phone", "Organization - Phone", "Company phone", "Account Phone"},
		FieldAddress: {"address", "Street Address", "Address", "Organization - Address", "Billing Address", "Billing Street",
			"BillingStreet", "Company address"},
		FieldAddress2:   {"address_line2", "Street Address 2", "Address 2", "Address line 2"},
		FieldPostalCode: {"postal_code", "Postal Code", "Zip", "Zip Code", "Billing Zip/Postal Code", "BillingPostalCode"},
		FieldCity:       {"city", "City", "Billing City", "BillingCity"},
		FieldRegion:     {"region", "State/Region", "State", "Billing State/Province", "BillingState"},
		FieldCountry:    {"country", "Country/Region", "Country", "Billing Country", "BillingCountry"},
		FieldCreatedAt: {"created_at", "Create Date", "Organization - Add time", "Add time", "Created Date", "CreatedDate",
			"Date created"},
	},
	KindContacts: {
		FieldExternalID: {"external_id", "id", "Record ID", "Contact ID", "Person - ID", "Person ID", "Contact.Id", "Id"},
		FieldName:       {"name", "Full Name", "Person - Name", "Name", "Contact Name", "Contact: Full Name"},
		FieldFirstName:  {"First Name", "Person - First name", "FirstName"},
		FieldLastName:   {"Last Name", "Person - Last name", "LastName"},
		FieldEmail:      {"email", "Email", "Person - Email", "Email address", "Person - Email - Work", "Contact email"},
		FieldPhone: {"phone", "Phone Number", "Phone", "Person - Phone", "Person - Phone - Work", "Mobile Phone Number",
			"Mobile", "MobilePhone"},
		FieldAccountID: {"account_id", "Associated Company ID", "Associated Company IDs", "Primary Associated Company ID",
			"Account ID", "AccountId", "Person - Organization ID", "Organization ID"},
		FieldAccount: {"account", "Associated Company", "Company Name", "Company", "Person - Organization", "Organization",
			"Account Name", "Account: Account Name", "Account.Name"},
		FieldAccountEmail: {"account_email", "Organization - Email", "Company email", "Account Email"},
		FieldCreatedAt:    {"created_at", "Create Date", "Person - Add time", "Add time", "Created Date", "CreatedDate"},
	},
}

// RecordAliases returns the header names read as f in a file of kind k,
// Pipewell's own first.
func RecordAliases(k Kind, f Field) []string { return recordAliases[k][f] }

var recordIndex = func() map[Kind]map[string]aliasRank {
	out := map[Kind]map[string]aliasRank{}
	for k, fields := range recordAliases {
		m := map[string]aliasRank{}
		for _, f := range KindFields(k) {
			for i, a := range fields[f] {
				if _, taken := m[fold(a)]; !taken {
					m[fold(a)] = aliasRank{f, i}
				}
			}
		}
		out[k] = m
	}
	return out
}()

// SuggestRecords maps each column of the header of an accounts or
// contacts file to a field by its name, as Suggest does a projects file's.
func SuggestRecords(k Kind, header []string) Mapping {
	index := recordIndex[k]
	return pick(header, func(h string) (Field, int) {
		if a, ok := index[fold(h)]; ok {
			return a.field, a.rank
		}
		return FieldIgnore, 0
	})
}

// Header names that tell what a file holds (folded; a name ending in "|"
// is the prefix of Pipedrive's "Object - Field").
var kindHints = map[Kind][]string{
	KindProjects: {"title", "dealname", "deal|", "amount", "value", "dealstage", "stage", "stagename", "closedate",
		"opportunityname", "opportunityid", "expectedclose", "state", "milestone"},
	KindAccounts: {"address", "companyname", "companydomainname", "companyid", "organization|", "organizationname",
		"accountid", "accountname", "billingstreet", "billingaddress", "billingcity", "streetaddress", "website", "industry",
		"numberofemployees"},
	KindContacts: {"account_id", "account", "firstname", "lastname", "fullname", "contactid", "person|", "associatedcompany",
		"mobilephonenumber", "jobtitle"},
}

// DetectKind tells from a header what a file holds: the kind with the
// most of its telling names (our own exports' columns, and those of
// HubSpot's, Pipedrive's and Salesforce's deal, company and contact
// exports), projects when none tells.
func DetectKind(header []string) Kind {
	best, bestScore := KindProjects, 0
	for _, k := range []Kind{KindProjects, KindContacts, KindAccounts} {
		score := 0
		for _, h := range header {
			f := fold(h)
			if f == "" {
				continue
			}
			for _, hint := range kindHints[k] {
				if f == fold(hint) || strings.HasSuffix(hint, "|") && strings.HasPrefix(f, hint) ||
					hint == "milestone" && strings.HasPrefix(f, "milestone") {
					score++
					break
				}
			}
		}
		if score > bestScore {
			best, bestScore = k, score
		}
	}
	return best
}

// Messages of a records row that cannot be imported (catalog keys).
const (
	MsgRowNoAccount = "import.row.no_account" // a contact without an account, and missing accounts are not created
)

// RecordLists are what an accounts or contacts file is read with: the
// tenant's zone, the moment of the import, how dates are written, and who
// imports (the creator of every new record).
type RecordLists struct {
	Loc   *time.Location
	Now   time.Time
	Order DateOrder
	Actor crm.UserID
	// CreateAccounts: a contact's account that is not found is created
	// (else the row is refused); a contact without any account gets one
	// of its own name, as a household.
	CreateAccounts bool
}

// RecordDecoder reads the rows of one accounts or contacts file.
type RecordDecoder struct {
	kind    Kind
	l       RecordLists
	header  []string
	mapping Mapping
	seen    map[string]int // external ID → line
}

// NewRecordDecoder reads rows of a file of kind k (accounts or contacts)
// with header mapped by m.
func NewRecordDecoder(k Kind, header []string, m Mapping, l RecordLists) *RecordDecoder {
	return &RecordDecoder{kind: k, l: l, header: header, mapping: m, seen: map[string]int{}}
}

// Decode reads rec, the record on line of the file, into row: the record
// cleaned and checked as its form checks it (crm.Account.Validate,
// crm.Contact.Validate), each problem on its column. formula tells the
// cells that are spreadsheet formulas (Reader.Formula).
func (d *RecordDecoder) Decode(rec []string, line int, formula func(int) bool, row *crm.RecordRow) {
	*row = crm.RecordRow{Line: line}
	col := map[Field]int{}
	fail := func(i int, msg string) {
		c := ""
		if i >= 0 {
			c = d.header[i]
		}
		row.Errors = append(row.Errors, crm.RowError{Line: line, Column: c, Msg: msg})
	}
	for i, f := range d.mapping {
		if i >= len(rec) || f == FieldIgnore || f == FieldNote {
			continue
		}
		if formula != nil && formula(i) {
			fail(i, MsgRowFormula)
			continue
		}
		col[f] = i
	}
	get := func(f Field) (string, int) {
		i, ok := col[f]
		if !ok {
			return "", -1
		}
		return strings.TrimSpace(rec[i]), i
	}
	line1 := func(f Field) string {
		v, _ := get(f)
		return oneLine.Replace(v)
	}
	row.ExternalID = line1(FieldExternalID)
	if v, i := get(FieldExternalID); v != "" {
		s, ok := crm.CleanLine(row.ExternalID)
		switch {
		case !ok:
			fail(i, MsgRowText)
		case len([]rune(s)) > crm.MaxName:
			fail(i, crm.Msg(MsgRowTooLong, crm.MaxName))
		}
		if first, dup := d.seen[s]; dup {
			fail(i, crm.Msg(MsgRowDuplicateID, first))
		} else {
			d.seen[s] = line
		}
		row.ExternalID = s
	}
	name := line1(FieldName)
	nameCol := FieldName
	if name == "" && d.kind == KindContacts {
		first, last := line1(FieldFirstName), line1(FieldLastName)
		name = strings.TrimSpace(first + " " + last)
		if _, ok := col[FieldName]; !ok {
			nameCol = FieldFirstName
			if _, ok := col[FieldFirstName]; !ok {
				nameCol = FieldLastName
			}
		}
	}
	columnOf := map[string]Field{"name": nameCol, "email": FieldEmail, "phone": FieldPhone, "address": FieldAddress}
	var v crm.Validator
	if d.kind == KindAccounts {
		row.Account = crm.Account{Name: name, Email: line1(FieldEmail), Phone: line1(FieldPhone)}
		row.Account.Address = addressOf(get, addressParts)
		if f, ok := firstPart(get, addressParts); ok { // a message about the address goes beside its first column
			columnOf["address"] = f
		}
		row.Account = row.Account.Validate(&v, "")
		row.Account.ExternalID = row.ExternalID
	} else {
		row.Contact = crm.Contact{Name: name, Email: line1(FieldEmail), Phone: line1(FieldPhone)}
		row.Contact = row.Contact.Validate(&v, "")
		row.Contact.ExternalID = row.ExternalID
		row.AccountRef = line1(FieldAccountID)
		if s, ok := crm.CleanLine(row.AccountRef); !ok || len([]rune(s)) > crm.MaxName {
			_, i := get(FieldAccountID)
			fail(i, MsgRowText)
		}
		var av crm.Validator
		acc := crm.Account{Name: line1(FieldAccount), Email: line1(FieldAccountEmail)}
		named := acc.Name != ""
		if !named {
			acc.Name = "-" // only the e-mail is checked
		}
		acc = acc.Validate(&av, "")
		var ve *crm.ValidationError
		if errors.As(av.Err(), &ve) {
			for _, f := range []string{"name", "email"} {
				if msg, ok := ve.Fields[f]; ok && (f == "email" || named) {
					_, i := get(map[string]Field{"name": FieldAccount, "email": FieldAccountEmail}[f])
					fail(i, msg)
				}
			}
		}
		if !named {
			acc.Name = ""
		}
		row.Account = crm.Account{Name: acc.Name, Email: acc.Email}
		if row.AccountRef == "" && acc.Email == "" && acc.Name == "" {
			if d.l.CreateAccounts {
				row.Account.Name = row.Contact.Name // a household, as a projects file's contact without an account
			} else {
				_, i := get(FieldAccount)
				if i < 0 {
					_, i = get(FieldAccountID)
				}
				fail(i, MsgRowNoAccount)
			}
		}
	}
	if err := v.Err(); err != nil {
		var ve *crm.ValidationError
		if errors.As(err, &ve) {
			for _, f := range []string{"name", "email", "phone", "address"} {
				if msg, ok := ve.Fields[f]; ok {
					_, i := get(columnOf[f])
					fail(i, msg)
				}
			}
		}
	}
	if s, i := get(FieldCreatedAt); s != "" {
		t, msg := ParseInstant(s, d.l.Loc, d.l.Order)
		switch {
		case msg != "":
			fail(i, msg)
		case t.After(d.l.Now):
			fail(i, MsgRowFuture)
		}
		row.Account.CreatedAt, row.Contact.CreatedAt = t, t
		if d.kind == KindContacts {
			row.Account.CreatedAt = time.Time{}
		}
	}
	row.Account.CreatedBy, row.Contact.CreatedBy = d.l.Actor, d.l.Actor
}

// addressOf is an account's address from its parts (street, second line,
// postal code, city, region, country, as addressParts): the street (which
// may hold the whole address), the second line, postal code and city on
// one line, region and country, each on its own line, empty parts left
// out.
func addressOf(get func(Field) (string, int), parts []Field) string {
	part := func(i int) string { v, _ := get(parts[i]); return v }
	var lines []string
	for _, l := range []string{part(0), part(1),
		strings.TrimSpace(oneLine.Replace(part(2)) + " " + oneLine.Replace(part(3))),
		oneLine.Replace(part(4)), oneLine.Replace(part(5))} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// firstPart is the first of parts the file has a column for.
func firstPart(get func(Field) (string, int), parts []Field) (Field, bool) {
	for _, f := range parts {
		if _, i := get(f); i >= 0 {
			return f, true
		}
	}
	return "", false
}
