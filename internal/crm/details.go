package crm

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of project fields, stated on the forms.
const (
	MaxReferrer = 200
	MaxPhone    = 40
	MaxAddress  = 1000
)

// Choices are the tenant's pick-list values a form may use: active lead
// sources, milestone statuses, archive reasons, and active users.
type Choices struct {
	Sources  []int64
	Statuses []int64
	Reasons  []int64
	Users    []UserID
}

// ParseID reads an ID typed into a form ("" = none). ok is false for
// anything but a positive decimal number.
func ParseID(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// checkChoice validates an optional pick-list field against the allowed IDs.
func checkChoice(v *Validator, field, s string, allowed []int64, required bool) int64 {
	id, ok := ParseID(s)
	switch {
	case !ok:
		v.Add(field, MsgUnknownChoice)
	case id == 0 && required:
		v.Add(field, MsgRequired)
	case id != 0 && !slices.Contains(allowed, id):
		v.Add(field, MsgUnknownChoice)
	}
	return id
}

func checkDate(v *Validator, field, s string) Date {
	if strings.TrimSpace(s) == "" {
		return Date{}
	}
	d, ok := ParseDate(s)
	if !ok {
		v.Add(field, MsgDateInvalid)
	}
	return d
}

func checkMoney(v *Validator, field, s string) int64 {
	c, msg := ParseMoney(s)
	if msg != "" {
		v.Add(field, msg)
	}
	return c
}

// Details is the workspace's details form as typed.
type Details struct {
	Version       int
	Title         string
	SourceID      string
	Referrer      string
	Scope         string
	Value         string
	ExpectedClose string
	StatusID      string
	Forecast      string
	// Probability overrides the stage's probability for this project
	// (0–100 %); "" uses the stage's.
	Probability string
}

// DetailsOf is the form as it shows the project's current values.
func DetailsOf(p Project) Details {
	return Details{Version: p.Version, Title: p.Title, SourceID: id64(p.SourceID), Referrer: p.Referrer, Scope: p.Scope,
		Value: MoneyInput(p.Value), ExpectedClose: p.ExpectedClose.String(), StatusID: id64(p.StatusID), Forecast: string(p.Forecast),
		Probability: probabilityInput(p)}
}

// probabilityInput is the project's probability override as typed ("" for none).
func probabilityInput(p Project) string {
	if !p.HasProbability {
		return ""
	}
	return strconv.Itoa(p.Probability)
}

// DecideDetails validates the details form and logs every field that
// changed, old → new. A stale version is ErrConflict.
func DecideDetails(p Project, in Details, ch Choices, a Actor) (Change, error) {
	var v Validator
	n := p
	n.Title = v.CheckLine("title", in.Title, true, MaxName)
	n.SourceID = checkChoice(&v, "source_id", in.SourceID, ch.Sources, false)
	n.Referrer = v.CheckLine("referrer", in.Referrer, false, MaxReferrer)
	n.Scope = v.CheckText("scope", in.Scope, false, MaxLongText)
	n.Value = checkMoney(&v, "value", in.Value)
	n.ExpectedClose = checkDate(&v, "expected_close", in.ExpectedClose)
	n.StatusID = checkChoice(&v, "status_id", in.StatusID, ch.Statuses, false)
	n.Forecast = ForecastCategory(strings.TrimSpace(in.Forecast))
	if n.Forecast == "" {
		n.Forecast = p.Forecast
	}
	v.Check(n.Forecast.Valid(), "forecast", MsgUnknownChoice)
	n.HasProbability = strings.TrimSpace(in.Probability) != ""
	n.Probability = v.CheckInt("probability", in.Probability, 0, 100)
	// Keep a status or source that was deactivated since it was chosen.
	if fe := v.fields; fe != nil {
		if fe["status_id"] == MsgUnknownChoice && n.StatusID == p.StatusID && n.StatusID != 0 {
			delete(fe, "status_id")
		}
		if fe["source_id"] == MsgUnknownChoice && n.SourceID == p.SourceID && n.SourceID != 0 {
			delete(fe, "source_id")
		}
	}
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	if err := checkVersion(p, in.Version); err != nil {
		return Change{}, err
	}
	c := Change{Project: n, Touch: true}
	by := a.Viewer.UserID
	field := func(name, old, new string) {
		if old != new {
			c.log(by, a.Now, LogFieldChanged, name, old, new, "")
		}
	}
	field("title", p.Title, n.Title)
	field("source", id64(p.SourceID), id64(n.SourceID))
	field("referrer", p.Referrer, n.Referrer)
	field("scope", p.Scope, n.Scope)
	field("value", strconv.FormatInt(p.Value, 10), strconv.FormatInt(n.Value, 10))
	field("expected_close", p.ExpectedClose.String(), n.ExpectedClose.String())
	field("forecast", string(p.Forecast), string(n.Forecast))
	field("probability", probabilityInput(p), probabilityInput(n))
	if p.StatusID != n.StatusID {
		c.log(by, a.Now, LogStatusChanged, "status", id64(p.StatusID), id64(n.StatusID), "")
	}
	if len(c.Log) == 0 {
		c.Touch = false
	}
	return c, nil
}

// DecideStatus sets the milestone status alone (the log drawer's select):
// it is the details decision with every other field as the project has it,
// so the status is validated (one of the active statuses, or the one it
// has), version-checked and logged exactly as from the workspace. A stale
// version is ErrConflict; an unknown status a *ValidationError on status_id.
func DecideStatus(p Project, statusID string, version int, ch Choices, a Actor) (Change, error) {
	in := DetailsOf(p)
	in.Version, in.StatusID = version, statusID
	return DecideDetails(p, in, ch, a)
}

// Account is a customer company or household.
type Account struct {
	ID        int64
	Name      string
	Email     string
	Phone     string
	Address   string
	CreatedAt time.Time
	CreatedBy UserID // 0: not known (seeded, imported, or older than the column)
	// ExternalID is the account's ID in the system (or the tenant) an
	// import brought it from; "" for none.
	ExternalID string
}

// Contact is a person at an account.
type Contact struct {
	ID        int64
	AccountID int64
	Name      string
	Email     string
	Phone     string
	CreatedAt time.Time
	CreatedBy UserID // 0: not known
	// ExternalID is the contact's ID where an import brought it from.
	ExternalID string
}

// CheckOptionalEmail validates an e-mail field that may be empty.
func (v *Validator) CheckOptionalEmail(field, value string) string {
	if strings.TrimSpace(value) == "" {
		return ""
	}
	return v.CheckEmail(field, value)
}

// MsgInvalidPhone: a phone number has digits, spaces and + - ( ) . / only.
const MsgInvalidPhone = "error.invalid_phone"

// CheckPhone validates an optional phone number.
func (v *Validator) CheckPhone(field, value string) string {
	s := v.CheckLine(field, value, false, MaxPhone)
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-().", r) || r == '/':
		default:
			v.Add(field, MsgInvalidPhone)
			return s
		}
	}
	if s != "" && digits < 3 {
		v.Add(field, MsgInvalidPhone)
	}
	return s
}

// PhoneDigits is the digits of a phone number: two spellings of one number
// compare equal for the duplicate warning.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Validate cleans an account form (prefix names the fields, "" or "account_").
func (acc Account) Validate(v *Validator, prefix string) Account {
	acc.Name = v.CheckLine(prefix+"name", acc.Name, true, MaxName)
	acc.Email = v.CheckOptionalEmail(prefix+"email", acc.Email)
	acc.Phone = v.CheckPhone(prefix+"phone", acc.Phone)
	acc.Address = v.CheckText(prefix+"address", acc.Address, false, MaxAddress)
	return acc
}

// Validate cleans a contact form.
func (c Contact) Validate(v *Validator, prefix string) Contact {
	c.Name = v.CheckLine(prefix+"name", c.Name, true, MaxName)
	c.Email = v.CheckOptionalEmail(prefix+"email", c.Email)
	c.Phone = v.CheckPhone(prefix+"phone", c.Phone)
	return c
}

// Setup is what a decision may consult besides the project: the tenant's
// milestone definitions and the pick-list values and users a form may
// choose now.
type Setup struct {
	Defs    []MilestoneDef
	Choices Choices
}
