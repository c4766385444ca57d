package crm

import "time"

// LogCustomerChanged records a change to the account or the contact of a
// project. Its Field is the record and the field ("account_email",
// "contact_phone"), its Body the record's name after the change. It is a
// kind of its own, not LogFieldChanged: the project's own fields did not
// change, and the entry is written on every project linked to the record.
const LogCustomerChanged LogKind = "customer_changed"

// FieldChange is one field of an account or contact that a save changes.
type FieldChange struct {
	Field    string // name, email, phone, address
	Old, New string
}

// AccountEdit is a decided save of an account: the account as it is
// stored and, for an existing one, the fields that change (none: nothing
// is written).
type AccountEdit struct {
	Account Account
	Changes []FieldChange
}

// ContactEdit is a decided save of a contact.
type ContactEdit struct {
	Contact Contact
	Changes []FieldChange
}

// DecideAccount validates the account form in and decides what saving it
// over old changes. old is the zero Account for a new account, whose
// creator is by; an existing account keeps its ID, creation and creator.
func DecideAccount(old, in Account, by UserID) (AccountEdit, error) {
	var v Validator
	n := in.Validate(&v, "")
	if err := v.Err(); err != nil {
		return AccountEdit{}, err
	}
	n.ID, n.CreatedAt, n.CreatedBy = old.ID, old.CreatedAt, old.CreatedBy
	if old.ID == 0 {
		n.CreatedBy = by
		return AccountEdit{Account: n}, nil
	}
	var ch changes
	ch.field("name", old.Name, n.Name)
	ch.field("email", old.Email, n.Email)
	ch.field("phone", old.Phone, n.Phone)
	ch.field("address", old.Address, n.Address)
	return AccountEdit{Account: n, Changes: ch}, nil
}

// DecideContact validates the contact form in (its fields named with
// prefix: "" on the contact page, "contact_" on the account page) and
// decides what saving it over old changes. For a new contact old is a zero
// Contact of its account (only AccountID set) and by its creator; an
// existing contact keeps its account, ID, creation and creator.
func DecideContact(old, in Contact, prefix string, by UserID) (ContactEdit, error) {
	var v Validator
	n := in.Validate(&v, prefix)
	if err := v.Err(); err != nil {
		return ContactEdit{}, err
	}
	if old.ID == 0 {
		n.ID, n.AccountID, n.CreatedBy = 0, old.AccountID, by
		return ContactEdit{Contact: n}, nil
	}
	n.ID, n.AccountID, n.CreatedAt, n.CreatedBy = old.ID, old.AccountID, old.CreatedAt, old.CreatedBy
	var ch changes
	ch.field("name", old.Name, n.Name)
	ch.field("email", old.Email, n.Email)
	ch.field("phone", old.Phone, n.Phone)
	return ContactEdit{Contact: n, Changes: ch}, nil
}

// Log is the project log of the edit, written on every project whose
// account it is: one entry per changed field, by by at now (the entries'
// ProjectID is filled in per project).
func (e AccountEdit) Log(by UserID, now time.Time) []LogEntry {
	return customerLog("account_", e.Account.Name, e.Changes, by, now)
}

// Log is the project log of the edit, written on every project whose
// contact it is.
func (e ContactEdit) Log(by UserID, now time.Time) []LogEntry {
	return customerLog("contact_", e.Contact.Name, e.Changes, by, now)
}

func customerLog(record, name string, changes []FieldChange, by UserID, now time.Time) []LogEntry {
	out := make([]LogEntry, 0, len(changes))
	for _, c := range changes {
		out = append(out, LogEntry{At: now, UserID: by, Kind: LogCustomerChanged, Field: record + c.Field,
			OldValue: c.Old, NewValue: c.New, Body: name})
	}
	return out
}

type changes []FieldChange

func (cs *changes) field(name, old, new string) {
	if old != new {
		*cs = append(*cs, FieldChange{Field: name, Old: old, New: new})
	}
}
