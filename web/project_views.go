package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// Option is one choice of a Select whose values are words (a role, a
// forecast category); entries of a tenant's list are crm.Choice.
type Option struct {
	Value string
	Label string
}

// AlreadyDone answers a completion sent after its milestone was completed:
// who completed it and when, and the note that was typed, kept so that it
// can go to the log instead.
type AlreadyDone struct {
	Milestone string
	By        string
	At        time.Time
	Note      string
}

// CurrentValue is one field of the project as saved, shown beside a
// conflict: Field is a catalog key.
type CurrentValue struct {
	Field string
	Value string
}

// TrackItem is one milestone on the workspace's milestone track.
type TrackItem struct {
	ID         crm.MilestoneID
	Name       string
	Criteria   string
	Done       bool
	At         time.Time
	By         string
	Note       string
	Pending    bool
	HasDue     bool
	Due        time.Time
	Late       bool
	Won        bool
	Qualifying bool
	First      bool // the lead's creation: never undone
	CanUndo    bool // the milestone the viewer may undo now (crm.Actions.Undo)
	Subtasks   []crm.Subtask
	OpenTasks  int
}

// LogLine is one project log entry ready to show: a catalog key with its
// arguments (already formatted for the locale) and the person's text.
type LogLine struct {
	At       time.Time
	User     string
	Kind     string
	Key      string
	Args     []any
	Body     string
	Happened time.Time
}

// Earlier is the question "complete the open earlier milestones too?".
type Earlier struct {
	Target     crm.MilestoneID
	TargetName string
	Open       []TrackItem
}

// LogView is the log fragment: entries and the add-note form.
type LogView struct {
	ProjectID crm.ProjectID
	Lines     []LogLine
	More      bool
	Form      Form
	Return    string // where the note form returns to without JavaScript
	// Actions are the drawer's and the log page's forms besides the note:
	// the milestone status and qualify (nil in the workspace, which has
	// its own).
	Actions *LogActions
}

// LogActions are the log drawer's status and qualify forms, with the
// project's version, what was posted and its messages.
type LogActions struct {
	Version  int
	Statuses []crm.Choice
	// StatusID is the project's status as saved.
	StatusID   int64
	CanQualify bool   // the qualifying milestone is open
	Qualifying string // its name
	Status     Form   // status_id
	Qualify    Form   // completed_at (default now, tenant local) and note
	// Action is the form the messages belong to ("status", "qualify");
	// Saved the one that was just saved; Problem a message key for the
	// whole form (someone else changed the project, earlier milestones open).
	Action, Saved, Problem string
}

// WorkspaceView is the project workspace.
type WorkspaceView struct {
	Page
	P           crm.Project
	State       crm.State // effective state
	DeferPassed bool      // deferred, but the date has come: counts as active
	Late        bool
	Account     crm.Account
	Contact     crm.Contact
	OwnerName   string
	StatusName  string
	ReasonName  string
	Members     []crm.Choice
	Track       []TrackItem
	Events      []crm.Event
	Log         LogView
	Form        Form           // values and errors of the posted form (details defaults otherwise)
	Action      string         // which form the errors belong to ("details", "archive", "complete-3"...)
	Conflict    bool           // the save was refused: someone else changed the project
	Already     *AlreadyDone   // a completion arrived after the milestone was completed
	Current     []CurrentValue // the project as saved, when Conflict
	Earlier     *Earlier
	Statuses    []crm.Choice
	Sources     []crm.Choice
	Reasons     []crm.Choice
	Users       []crm.Choice
	Forecasts   []Option
	Milestones  []crm.Choice
	NowLocal    string // default completion time, tenant local, minute precision
	Tomorrow    string
	Can         crm.Actions // what the viewer may do (crm.Allowed)
	// LateDays are the days late of what is late: "milestone" (the pending
	// one), "subtask-ID", "event-ID" (0: an event overdue since today).
	LateDays map[string]int
	Viewer   crm.UserID
}

// URL is the workspace's address.
func (v WorkspaceView) URL() string { return ProjectURL(v.P.ID) }

// ProjectURL is a project's workspace address.
func ProjectURL(id crm.ProjectID) string { return "/projects/" + strconv.FormatInt(int64(id), 10) }

// Version is the version the forms carry.
func (v WorkspaceView) Version() string { return strconv.Itoa(v.P.Version) }

// ErrorFor returns the message of field when the errors belong to action.
func (v WorkspaceView) ErrorFor(action, field string) string {
	if v.Action != action {
		return ""
	}
	return v.Form.Error(field)
}

// FormFor is the form as the action's inputs show it: the posted values and
// errors for the posted action, defaults for the others.
//
// The forms of the milestone track repeat once per milestone, so their
// element IDs carry the action ("complete-12-note").
func (v WorkspaceView) FormFor(action string) Form {
	var prefix string
	if strings.HasPrefix(action, "complete-") || strings.HasPrefix(action, "undo-") {
		prefix = action + "-"
	}
	if v.Action == action {
		f := v.Form
		f.Prefix = prefix
		return f
	}
	if action == "details" {
		return Form{Values: v.Form.Values}
	}
	return Form{Values: map[string]string{"completed_at": v.NowLocal}, Prefix: prefix}
}

// LeadView is the new-lead form.
type LeadView struct {
	Page
	Form
	// Account: the existing account chosen for the lead, with its
	// contacts (Contacts) to pick from; nil while the customer is searched
	// for or a new account is typed.
	Account    *AccountRow
	Contacts   []crm.Choice
	Picker     PickerView
	Sources    []crm.Choice
	Users      []crm.Choice
	Duplicates []crm.Duplicate
	OwnerFixed bool // a salesperson's lead is their own
}

// PickerView is what the new-lead form's customer search found for Query.
type PickerView struct {
	Query string
	// Searched: Query was looked up (an empty query is not).
	Searched bool
	Accounts []AccountRow
	Contacts []PickerContact
	// More: there are more matches than are shown.
	More bool
	// TooSlow: the lookup ran out of its time and found nothing to show.
	TooSlow bool
}

// PickerContact is a contact found by the customer search, with its account.
type PickerContact struct {
	ID          int64
	Name        string
	Email       string
	Phone       string
	AccountName string
}

// AccountsView is the account list and search.
type AccountsView struct {
	Page
	Query string
	Rows  []AccountRow
}

// AccountRow is one account in the list.
type AccountRow struct {
	ID       int64
	Name     string
	Email    string
	Phone    string
	Address  string
	Contacts int
}

// ProjectLink is a project on an account or contact page.
type ProjectLink struct {
	ID    crm.ProjectID
	Title string
	State crm.State
	Owner string
	Value int64
}

// AccountView is one account (or the new-account form when ID is 0).
type AccountView struct {
	Page
	Form
	Account  crm.Account
	Contacts []crm.Contact
	Projects []ProjectLink
	Contact  Form // the add-contact form
}

// ContactView is one contact with its projects.
type ContactView struct {
	Page
	Form
	Contact  crm.Contact
	Account  crm.Account
	Projects []ProjectLink
}

// LogPageView is the project log as a page of its own (without JavaScript).
type LogPageView struct {
	Page
	Title string
	Log   LogView
}
