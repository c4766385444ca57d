package crm

import (
	"fmt"
	"strings"
)

// LeadForm is the new-lead form as typed. The customer is an existing
// account (AccountID) or a new one; the contact an existing one of that
// account (ContactID), a new one, or none.
type LeadForm struct {
	Title         string
	AccountID     string
	Account       Account
	ContactID     string
	Contact       Contact
	SourceID      string
	Referrer      string
	Scope         string
	Value         string
	ExpectedClose string
	OwnerID       string
	// ConfirmDuplicate: the user saw the duplicate warning and goes on.
	ConfirmDuplicate bool
}

// Lead is a validated new lead.
type Lead struct {
	Project          Project
	NewAccount       *Account // nil: Project.AccountID is an existing account
	NewContact       *Contact // nil: Project.ContactID is existing (or 0)
	ConfirmDuplicate bool
}

// Duplicate is an existing contact whose e-mail or phone matches a new lead's.
type Duplicate struct {
	ContactID   int64
	ContactName string
	AccountID   int64
	AccountName string
	Email       string
	Phone       string
	// Match is what matched: "email" or "phone" (the e-mail when both did).
	Match string
	// Hidden: the viewer may not see the contact (CanSeeContact), another
	// rep's customer. Only that it exists may be said: every field but
	// Match is empty.
	Hidden bool
}

// Duplicate matches.
const (
	MatchEmail = "email"
	MatchPhone = "phone"
)

// warnings is what the duplicate warning lists: every visible duplicate,
// and hidden ones once per kind of match, so that the warning does not
// count another rep's contacts either.
func warnings(dups []Duplicate) []Duplicate {
	out := make([]Duplicate, 0, len(dups))
	hidden := map[string]bool{}
	for _, d := range dups {
		if d.Hidden {
			if hidden[d.Match] {
				continue
			}
			hidden[d.Match] = true
			d = Duplicate{Match: d.Match, Hidden: true}
		}
		out = append(out, d)
	}
	return out
}

// DuplicateError says a new lead's contact already exists in the tenant;
// nothing was written. The user may confirm and create the lead anyway.
type DuplicateError struct {
	Matches []Duplicate
}

func (e *DuplicateError) Error() string { return fmt.Sprintf("%d possible duplicates", len(e.Matches)) }

// DecideLead validates the new-lead form and decides what it creates: the
// lead, its first milestone completed at the creation time, and the log.
// dups are the tenant's contacts that share the typed contact's e-mail or
// phone, those the viewer may not see marked Hidden: unless the user
// confirmed, a new contact with any is a *DuplicateError. The project's ID is filled in when it is written.
func DecideLead(in LeadForm, s Setup, dups []Duplicate, a Actor) (Lead, Change, error) {
	l, err := ValidateLead(in, s.Choices, a)
	if err != nil {
		return l, Change{}, err
	}
	if l.NewContact != nil && !l.ConfirmDuplicate && len(dups) > 0 {
		return l, Change{}, &DuplicateError{Matches: warnings(dups)}
	}
	return l, DecideCreate(l, s.Defs, a), nil
}

// ValidateLead checks the form. A salesperson's lead is their own (the owner
// field defaults to the viewer and sales may not pick someone else);
// managers and admins pick any active user.
func ValidateLead(in LeadForm, ch Choices, a Actor) (Lead, error) {
	var v Validator
	var l Lead
	p := &l.Project
	p.Title = v.CheckLine("title", in.Title, true, MaxName)
	accountID, ok := ParseID(in.AccountID)
	v.Check(ok, "account_id", MsgUnknownChoice)
	if accountID == 0 && ok {
		acc := in.Account.Validate(&v, "account_")
		acc.CreatedBy = a.Viewer.UserID
		l.NewAccount = &acc
	}
	p.AccountID = accountID
	contactID, ok := ParseID(in.ContactID)
	v.Check(ok, "contact_id", MsgUnknownChoice)
	p.ContactID = contactID
	newContact := contactID == 0 && ok &&
		strings.TrimSpace(in.Contact.Name+in.Contact.Email+in.Contact.Phone) != ""
	if newContact {
		c := in.Contact.Validate(&v, "contact_")
		c.CreatedBy = a.Viewer.UserID
		l.NewContact = &c
	}
	p.SourceID = checkChoice(&v, "source_id", in.SourceID, ch.Sources, false)
	p.Referrer = v.CheckLine("referrer", in.Referrer, false, MaxReferrer)
	p.Scope = v.CheckText("scope", in.Scope, false, MaxLongText)
	p.Value = checkMoney(&v, "value", in.Value)
	p.ExpectedClose = checkDate(&v, "expected_close", in.ExpectedClose)
	owner, ok := ParseID(in.OwnerID)
	switch {
	case !ok:
		v.Add("owner_id", MsgUnknownChoice)
	case owner == 0:
		p.OwnerID = a.Viewer.UserID
	case a.Viewer.Role == RoleSales && UserID(owner) != a.Viewer.UserID:
		v.Add("owner_id", MsgReassignOthers)
	default:
		users := make([]int64, len(ch.Users))
		for i, u := range ch.Users {
			users[i] = int64(u)
		}
		checkChoice(&v, "owner_id", in.OwnerID, users, false)
		p.OwnerID = UserID(owner)
	}
	if err := v.Err(); err != nil {
		return l, err
	}
	p.State, p.Forecast, p.CreatedAt, p.Version = StateActive, ForecastPipeline, a.Now, 1
	l.ConfirmDuplicate = in.ConfirmDuplicate
	return l, nil
}

// DecideCreate is the creation of a validated lead: the project, the first
// milestone (Lead created) completed at the creation time, and the log.
// The project's ID is filled in by the caller once known.
func DecideCreate(l Lead, defs []MilestoneDef, a Actor) Change {
	c := Change{Project: l.Project, Touch: true}
	by := a.Viewer.UserID
	c.log(by, a.Now, LogCreated, "", "", "", "")
	if process := Process(defs); len(process) > 0 {
		completeOne(&c, process[0], Completion{MilestoneID: process[0].ID, At: a.Now, By: by}, a.Now)
	}
	return c
}
