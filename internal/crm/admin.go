package crm

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validation message keys of the administration screens.
const (
	MsgNumber          = "admin.error.number"
	MsgRange           = "admin.error.range"
	MsgOneWon          = "admin.error.one_won"
	MsgWonActive       = "admin.error.won_active"
	MsgNameTaken       = "admin.error.name_taken"
	MsgTooMany         = "admin.error.too_many"
	MsgLastAdmin       = "admin.error.last_admin"
	MsgInvalidRole     = "admin.error.role"
	MsgCurrency        = "admin.error.currency"
	MsgTimeZone        = "admin.error.time_zone"
	MsgEventPair       = "admin.error.event_pair"
	MsgMoney           = "admin.error.money"
	MsgPercent         = "admin.error.percent"
	MsgWrongPassword   = "account.error.wrong_password"
	MsgPasswordsDiffer = "account.error.passwords_differ"
	MsgLocale          = "account.error.locale"
	MsgTokenInvalid    = "invite.error.invalid"
)

// MaxMilestoneName is the longest milestone or pick-list name.
const MaxMilestoneName = 100

// Deadline anchors of a milestone definition: what its deadline counts from.
const (
	DeadlineFromPrevious = "previous" // the previous milestone's completion
	DeadlineFromCreated  = "created"  // the project's creation
)

// MilestoneForm is the milestone form as typed.
type MilestoneForm struct {
	Name, Criteria, DeadlineDays, DeadlineFrom, Probability, EventTitle, EventDays string
	Qualifying, Won                                                                bool
}

// Validate turns the typed form into a spec, or a *ValidationError naming
// each wrong field. A deadline and an event are optional; an event needs both
// a title and its number of days.
func (f MilestoneForm) Validate() (MilestoneSpec, error) {
	var v Validator
	s := MilestoneSpec{Qualifying: f.Qualifying, Won: f.Won}
	s.Name = v.CheckLine("name", f.Name, true, MaxMilestoneName)
	s.Criteria = v.CheckText("criteria", f.Criteria, false, MaxLongText)
	if strings.TrimSpace(f.DeadlineDays) != "" {
		s.DeadlineDays = v.CheckInt("deadline_days", f.DeadlineDays, 0, 3650)
		s.HasDeadline = true
	}
	switch f.DeadlineFrom {
	case DeadlineFromPrevious, "":
		s.DeadlineFrom = DeadlineFromPrevious
	case DeadlineFromCreated:
		s.DeadlineFrom = DeadlineFromCreated
	default:
		v.Add("deadline_from", MsgRange)
	}
	s.Probability = v.CheckInt("probability", f.Probability, 0, 100)
	if strings.TrimSpace(f.Probability) == "" {
		v.Add("probability", MsgRequired)
	}
	s.EventTitle = v.CheckLine("event_title", f.EventTitle, false, MaxName)
	if strings.TrimSpace(f.EventDays) != "" {
		s.EventDays = v.CheckInt("event_days", f.EventDays, 0, 3650)
		v.Check(s.EventTitle != "", "event_title", MsgEventPair)
	} else if s.EventTitle != "" {
		v.Add("event_days", MsgEventPair)
	}
	return s, v.Err()
}

// CheckInt validates an optional whole number in [min, max]; "" is 0.
func (v *Validator) CheckInt(field, value string, min, max int) int {
	s := strings.TrimSpace(value)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) {
		v.Add(field, Msg(MsgRangeBetween, min, max))
		return 0
	}
	if err != nil {
		v.Add(field, MsgNumber)
		return 0
	}
	if n < min || n > max {
		v.Add(field, Msg(MsgRangeBetween, min, max))
	}
	return n
}

// PickList names one of the tenant's pick lists.
type PickList string

// The pick lists an admin maintains.
const (
	ListStatuses PickList = "statuses" // milestone statuses
	ListReasons  PickList = "reasons"  // archive reasons
	ListSources  PickList = "sources"  // lead sources
)

// PickLists lists them in the order the admin screens show them.
var PickLists = []PickList{ListStatuses, ListReasons, ListSources}

// Valid reports whether l is a known pick list.
func (l PickList) Valid() bool {
	return l == ListStatuses || l == ListReasons || l == ListSources
}

// Choice is one entry of a list a user picks from — a pick-list value, a
// user, a workgroup — by ID and name. Inactive entries stay in the lists
// read for display (projects and log entries still name them) and are not
// offered for new choices.
type Choice struct {
	ID     int64
	Name   string
	Active bool
}

// PickValue is one value of a pick list as its admin screen lists it: the
// entry, its place, and how many projects carry it.
type PickValue struct {
	Choice
	Position int
	InUse    int // projects that carry it, counted to UseCountCap+1
}

// CheckPickName validates a pick-list value's name.
func CheckPickName(name string) (string, error) {
	var v Validator
	s := v.CheckLine("name", name, true, MaxMilestoneName)
	return s, v.Err()
}

// Invitation is the admin's invite form.
type Invitation struct {
	Email string
	Role  Role
}

// Validate checks the address and the role.
func (in Invitation) Validate() (Invitation, error) {
	var v Validator
	in.Email = v.CheckEmail("email", in.Email)
	v.Check(in.Role.Valid(), "role", MsgInvalidRole)
	return in, v.Err()
}

// NewPassword validates a new password and its confirmation.
func NewPassword(password, confirm string) error {
	var v Validator
	n := utf8.RuneCountInString(password)
	switch {
	case password == "":
		v.Add("password", MsgRequired)
	case n < MinPassword:
		v.Add("password", MsgShortPass)
	case n > MaxPassword:
		v.Add("password", MsgTooLong)
	}
	v.Check(password == confirm, "confirm", MsgPasswordsDiffer)
	return v.Err()
}

// Settings are the tenant settings an admin edits.
type Settings struct {
	Name                 string
	Currency             string
	TimeZone             string
	Country              string // "" or one of Countries
	StagnantDays         int
	LearnedProbabilities bool
}

// SettingsForm is the settings form as typed.
type SettingsForm struct {
	Name, Currency, TimeZone, Country, StagnantDays string
	LearnedProbabilities                            bool
}

// Validate checks every field. knownCurrency reports whether an upper-case
// three-letter code is a current ISO 4217 currency (the UI layer has the
// table); the time zone must be an IANA name the system knows.
func (f SettingsForm) Validate(knownCurrency func(string) bool) (Settings, error) {
	var v Validator
	s := Settings{LearnedProbabilities: f.LearnedProbabilities}
	s.Name = v.CheckLine("name", f.Name, true, MaxName)
	s.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	switch {
	case s.Currency == "":
		v.Add("currency", MsgRequired)
	case len(s.Currency) != 3 || strings.Trim(s.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" || !knownCurrency(s.Currency):
		v.Add("currency", MsgCurrency)
	}
	s.TimeZone = strings.TrimSpace(f.TimeZone)
	if s.TimeZone == "" {
		v.Add("time_zone", MsgRequired)
	} else if !ValidTimeZone(s.TimeZone) {
		v.Add("time_zone", MsgTimeZone)
	}
	s.Country = strings.ToUpper(strings.TrimSpace(f.Country))
	if s.Country != "" && !ValidCountry(s.Country) {
		v.Add("country", MsgUnknownChoice)
	}
	if strings.TrimSpace(f.StagnantDays) == "" {
		v.Add("stagnant_days", MsgRequired)
	}
	s.StagnantDays = v.CheckInt("stagnant_days", f.StagnantDays, 1, 3650)
	return s, v.Err()
}

// ValidTimeZone reports whether name is an IANA zone such as "Europe/Berlin"
// or "UTC" ("Local" and "" are not: they depend on the server).
func ValidTimeZone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 || strings.ContainsAny(name, " \\") || strings.Contains(name, "..") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// ParsePercentBP parses a percentage with at most two decimals ("7.5",
// "12.25", "0") into basis points (7.5 % = 750), 0–100 %.
func ParsePercentBP(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	s = strings.TrimSpace(s)
	c, msg := ParseMoney(s) // same shape: digits, optional two decimals
	if s == "" || msg != "" || strings.ContainsAny(s, ",+") || c > 10000 {
		return 0, false
	}
	return int(c), true
}

// FormatBP writes basis points as a percentage for a form field ("7.5", "12.25", "10").
func FormatBP(bp int) string {
	s := MoneyInput(int64(bp))
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s
}

// Locales are the UI language preferences a user can store ("" = from the browser).
var Locales = []string{"", "en", "zh-Hans"}

// AuditEntry is one recorded admin change.
type AuditEntry struct {
	ID       int64
	At       time.Time
	UserID   UserID
	UserName string
	Entity   string
	EntityID int64
	Subject  string // the entity's current name ("" for settings, a whole list, or a deleted one)
	Action   string
	OldValue string
	NewValue string
}

// Workgroup is a team: members, some of whom manage it.
type Workgroup struct {
	ID       int64
	Name     string
	Members  int
	Managers []string
}

// MsgWorkgroupNotEmpty refuses to delete a workgroup that has members.
const MsgWorkgroupNotEmpty = "admin.error.workgroup_not_empty"

// CheckDeleteWorkgroup allows deleting a workgroup only when it has no
// members: its members' projects would otherwise silently leave its
// managers' view. Emptying it first makes that a deliberate step.
func CheckDeleteWorkgroup(g Workgroup) error {
	if g.Members > 0 {
		return FieldError("", MsgWorkgroupNotEmpty)
	}
	return nil
}

// WorkgroupMember is one member of a workgroup.
type WorkgroupMember struct {
	UserID  UserID
	Name    string
	Email   string
	Role    Role
	Active  bool
	Manager bool
}

// TeamUser is one user as the admin's user list shows it.
type TeamUser struct {
	User
	Invited      bool // has not accepted the invitation yet (no password)
	CommissionBP int
	Workgroups   []string
	OpenProjects int // active and deferred projects they own
}

// QuotaRow is one user's line of the quota grid: a quota per month of a year.
type QuotaRow struct {
	User         User
	CommissionBP int
	Cents        [12]int64
	Set          [12]bool
}
