package crm

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// MaxNote is the limit of a note on a completion, an undo reason or an
// archive note; log notes may be as long as MaxLongText.
const MaxNote = 1000

// Messages of the decisions (catalog keys).
const (
	MsgNotInState      = "error.not_in_state"
	MsgAlreadyDone     = "error.already_completed"
	MsgNotCompleted    = "error.not_completed"
	MsgUndoFirst       = "error.undo_first"
	MsgUndoLaterFirst  = "error.undo_later_first"
	MsgEarlierAfter    = "error.earlier_after"
	MsgUnknownChoice   = "error.unknown_choice"
	MsgNoQualifying    = "error.no_qualifying"
	MsgReassignOthers  = "error.reassign_others"
	MsgAlreadyMember   = "error.already_member"
	MsgOwnerIsMember   = "error.owner_member"
	MsgNotMember       = "error.not_member"
	MsgNothingToChange = "error.nothing_changed"
)

// ErrAlreadyCompleted says the milestone is completed already with exactly
// what the command says (same person, time and note): a double submit, which
// changes nothing and is not an error to show.
var ErrAlreadyCompleted = errors.New("milestone already completed")

// AlreadyCompletedError says the milestone was completed before this
// command with other input — by someone else, or at another time or with
// another note (a form opened before the completion): nothing is saved, and
// the user is told who completed it and when, with what they typed kept.
type AlreadyCompletedError struct {
	Completion Completion
}

func (e *AlreadyCompletedError) Error() string {
	return "milestone already completed at " + e.Completion.At.Format(time.RFC3339)
}

// EarlierOpenError asks the user whether to complete the open milestones
// before the one they are completing, and when each happened.
type EarlierOpenError struct {
	Open []MilestoneID
}

func (e *EarlierOpenError) Error() string {
	return fmt.Sprintf("earlier milestones open: %v", e.Open)
}

// Actor is who gives a command and when.
type Actor struct {
	Viewer Viewer
	Now    time.Time
	Loc    *time.Location // the tenant's time zone
}

func checkVersion(p Project, version int) error {
	if version != p.Version {
		return ErrConflict
	}
	return nil
}

// CompleteMilestone is the command "milestone M happened at At".
type CompleteMilestone struct {
	Version     int
	MilestoneID MilestoneID
	At          time.Time
	Note        string
	// Earlier: the user confirmed completing the open earlier milestones,
	// each at the time in EarlierAt.
	Earlier   bool
	EarlierAt map[MilestoneID]time.Time
}

// EarlierField is the form field of an earlier milestone's completion time.
func EarlierField(id MilestoneID) string { return "earlier_at_" + strconv.FormatInt(int64(id), 10) }

// DecideComplete decides a milestone completion: the completion (and those
// of confirmed earlier milestones), the scheduled events their definitions
// create, sold when the won milestone is completed, and the log entries.
// Errors: ErrNotFound for an unknown or inactive milestone; ErrAlreadyCompleted
// when it is completed; ErrConflict on a stale version; *EarlierOpenError when
// earlier milestones are open and not confirmed; *ValidationError for bad
// times or a project that is archived or sold.
func DecideComplete(p Project, defs []MilestoneDef, cmd CompleteMilestone, a Actor) (Change, error) {
	process := Process(defs)
	target := slices.IndexFunc(process, func(d MilestoneDef) bool { return d.ID == cmd.MilestoneID })
	if target < 0 {
		return Change{}, ErrNotFound
	}
	if c, done := p.Completed(cmd.MilestoneID); done {
		if note, _ := CleanText(cmd.Note); c.By == a.Viewer.UserID && c.At.Equal(cmd.At) && c.Note == note {
			return Change{}, ErrAlreadyCompleted
		}
		return Change{}, &AlreadyCompletedError{Completion: c}
	}
	if err := checkVersion(p, cmd.Version); err != nil {
		return Change{}, err
	}
	if p.State == StateArchived || p.State == StateSold {
		return Change{}, FieldError("", MsgNotInState)
	}
	var v Validator
	note := v.CheckText("note", cmd.Note, false, MaxNote)
	checkCompletionTime(&v, "completed_at", cmd.At, p, a.Now)
	var open []MilestoneID
	for _, d := range process[:target] {
		if _, done := p.Completed(d.ID); !done {
			open = append(open, d.ID)
		}
	}
	if len(open) > 0 && !cmd.Earlier {
		if err := v.Err(); err != nil {
			return Change{}, err
		}
		return Change{}, &EarlierOpenError{Open: open}
	}
	for _, id := range open {
		f := EarlierField(id)
		at, ok := cmd.EarlierAt[id]
		if !ok || at.IsZero() {
			v.Add(f, MsgRequired)
			continue
		}
		checkCompletionTime(&v, f, at, p, a.Now)
		if !cmd.At.IsZero() && at.After(cmd.At) {
			v.Add(f, MsgEarlierAfter)
		}
	}
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Touch: true}
	by := a.Viewer.UserID
	for _, d := range process[:target+1] {
		at, n := cmd.At, note
		if d.ID != cmd.MilestoneID {
			if !slices.Contains(open, d.ID) {
				continue
			}
			at, n = cmd.EarlierAt[d.ID], ""
		}
		completeOne(&c, d, Completion{MilestoneID: d.ID, At: at, By: by, Note: n}, a.Now)
	}
	return c, nil
}

// completeOne adds one completion, its event, its log entry and, for the won
// milestone, the sale.
func completeOne(c *Change, d MilestoneDef, comp Completion, now time.Time) {
	c.Complete = append(c.Complete, comp)
	c.Project.Completions = append(c.Project.Completions, comp)
	c.Log = append(c.Log, LogEntry{ProjectID: c.Project.ID, At: now, UserID: comp.By, Kind: LogMilestoneCompleted,
		Field: "milestone", NewValue: id64(int64(d.ID)), Body: comp.Note, HappenedAt: comp.At})
	if d.EventTitle != "" {
		ev := Event{ProjectID: c.Project.ID, MilestoneID: d.ID, Title: d.EventTitle, OwnerID: c.Project.OwnerID,
			StartsAt: comp.At.AddDate(0, 0, d.EventDays)}
		c.Events = append(c.Events, ev)
		c.log(comp.By, now, LogEvent, "created", "", "", ev.Title)
		c.Log[len(c.Log)-1].HappenedAt = ev.StartsAt
	}
	if d.Won {
		old := c.Project.State
		c.Project.State, c.Project.SoldAt = StateSold, comp.At
		c.Project.DeferUntil = Date{}
		c.log(comp.By, now, LogStateChanged, "state", string(old), string(StateSold), "")
		if c.Project.Forecast != ForecastClosedWon {
			c.log(comp.By, now, LogFieldChanged, "forecast", string(c.Project.Forecast), string(ForecastClosedWon), "")
			c.Project.Forecast = ForecastClosedWon
		}
	}
}

// checkCompletionTime: a completion time is required, never in the future
// and not before the project was created (compared at minute precision,
// the precision of the form).
func checkCompletionTime(v *Validator, field string, at time.Time, p Project, now time.Time) {
	switch {
	case at.IsZero():
		v.Add(field, MsgTimeInvalid)
	case at.After(now):
		v.Add(field, MsgTimeFuture)
	case at.Before(p.CreatedAt.Truncate(time.Minute)):
		v.Add(field, MsgBeforeCreated)
	}
}

// UndoMilestone is the command "milestone M did not happen after all".
type UndoMilestone struct {
	Version     int
	MilestoneID MilestoneID
	Reason      string
}

// DecideUndo removes a completion with a reason in the log. The first
// milestone (the lead's creation) cannot be undone, nor a milestone while a
// later one is completed. Undoing the won milestone of a sold project makes
// it active again; archived projects must be reopened first.
func DecideUndo(p Project, defs []MilestoneDef, cmd UndoMilestone, a Actor) (Change, error) {
	process := Process(defs)
	i := slices.IndexFunc(process, func(d MilestoneDef) bool { return d.ID == cmd.MilestoneID })
	if i < 0 {
		return Change{}, ErrNotFound
	}
	if err := checkVersion(p, cmd.Version); err != nil {
		return Change{}, err
	}
	var v Validator
	reason := v.CheckText("reason", cmd.Reason, true, MaxNote)
	comp, done := p.Completed(cmd.MilestoneID)
	switch {
	case !done:
		v.Add("", MsgNotCompleted)
	case i == 0:
		v.Add("", MsgUndoFirst)
	case p.State == StateArchived, p.State == StateSold && !process[i].Won:
		v.Add("", MsgNotInState)
	}
	for _, d := range process[i+1:] {
		if _, later := p.Completed(d.ID); later {
			v.Add("", MsgUndoLaterFirst)
		}
	}
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Touch: true, Undo: []MilestoneID{cmd.MilestoneID}}
	c.Project.Completions = slices.DeleteFunc(slices.Clone(p.Completions), func(x Completion) bool { return x.MilestoneID == cmd.MilestoneID })
	by := a.Viewer.UserID
	c.Log = append(c.Log, LogEntry{ProjectID: p.ID, At: a.Now, UserID: by, Kind: LogMilestoneUndone,
		Field: "milestone", OldValue: id64(int64(cmd.MilestoneID)), Body: reason, HappenedAt: comp.At})
	if p.State == StateSold {
		c.Project.State, c.Project.SoldAt, c.Project.ResumedAt = StateActive, time.Time{}, a.Now
		c.log(by, a.Now, LogStateChanged, "state", string(StateSold), string(StateActive), "")
	}
	return c, nil
}

// DecideQualify completes the tenant's qualifying milestone.
func DecideQualify(p Project, defs []MilestoneDef, cmd CompleteMilestone, a Actor) (Change, error) {
	for _, d := range Process(defs) {
		if d.Qualifying {
			cmd.MilestoneID = d.ID
			return DecideComplete(p, defs, cmd, a)
		}
	}
	return Change{}, FieldError("", MsgNoQualifying)
}

// Archive is the command "this lead/opportunity is lost or unqualified".
type Archive struct {
	Version  int
	ReasonID int64
	Note     string
}

// DecideArchive archives an active or deferred project with a reason (one of
// the tenant's active reasons) and an optional note.
func DecideArchive(p Project, reasons []int64, cmd Archive, a Actor) (Change, error) {
	if err := checkVersion(p, cmd.Version); err != nil {
		return Change{}, err
	}
	var v Validator
	note := v.CheckText("archive_note", cmd.Note, false, MaxNote)
	switch {
	case cmd.ReasonID == 0:
		v.Add("reason_id", MsgRequired)
	case !slices.Contains(reasons, cmd.ReasonID):
		v.Add("reason_id", MsgUnknownChoice)
	}
	if p.State != StateActive && p.State != StateDeferred {
		v.Add("", MsgNotInState)
	}
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Touch: true}
	c.Project.State, c.Project.ArchiveReasonID, c.Project.ArchiveNote, c.Project.ArchivedAt = StateArchived, cmd.ReasonID, note, a.Now
	c.Project.DeferUntil = Date{}
	by := a.Viewer.UserID
	c.log(by, a.Now, LogStateChanged, "state", string(p.State), string(StateArchived), note)
	c.log(by, a.Now, LogFieldChanged, "archive_reason", "", id64(cmd.ReasonID), "")
	return c, nil
}

// Defer is the command "not ready yet: come back on Until".
type Defer struct {
	Version int
	Until   Date
	Note    string
}

// DecideDefer defers an active project (or moves a deferred one's date) to a
// day after today in the tenant's zone.
func DecideDefer(p Project, cmd Defer, a Actor) (Change, error) {
	if err := checkVersion(p, cmd.Version); err != nil {
		return Change{}, err
	}
	var v Validator
	note := v.CheckText("defer_note", cmd.Note, false, MaxNote)
	switch {
	case cmd.Until.IsZero():
		v.Add("defer_until", MsgDateInvalid)
	case !cmd.Until.After(Today(a.Now, a.Loc)):
		v.Add("defer_until", MsgDateNotFuture)
	}
	if p.State != StateActive && p.State != StateDeferred {
		v.Add("", MsgNotInState)
	}
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Touch: true}
	c.Project.State, c.Project.DeferUntil = StateDeferred, cmd.Until
	by := a.Viewer.UserID
	if p.State != StateDeferred {
		c.log(by, a.Now, LogStateChanged, "state", string(p.State), string(StateDeferred), note)
	}
	c.log(by, a.Now, LogFieldChanged, "defer_until", p.DeferUntil.String(), cmd.Until.String(), "")
	return c, nil
}

// DecideReactivate brings a deferred project back to active now, before its
// defer-until day. One whose day has come is active already: reactivating
// it would only move its deadlines, so it is refused.
func DecideReactivate(p Project, version int, a Actor) (Change, error) {
	if err := checkVersion(p, version); err != nil {
		return Change{}, err
	}
	if p.EffectiveState(a.Now, a.Loc) != StateDeferred {
		return Change{}, FieldError("", MsgNotInState)
	}
	c := Change{Project: p, Touch: true}
	c.Project.State, c.Project.DeferUntil, c.Project.ResumedAt = StateActive, Date{}, a.Now
	c.log(a.Viewer.UserID, a.Now, LogStateChanged, "state", string(StateDeferred), string(StateActive), "")
	return c, nil
}

// DecideReopen brings an archived project back to active; its reason and
// note stay in the log. Deadlines count from the reopening.
func DecideReopen(p Project, version int, a Actor) (Change, error) {
	if err := checkVersion(p, version); err != nil {
		return Change{}, err
	}
	if p.State != StateArchived {
		return Change{}, FieldError("", MsgNotInState)
	}
	c := Change{Project: p, Touch: true}
	c.Project.State, c.Project.ArchiveReasonID, c.Project.ArchiveNote, c.Project.ArchivedAt = StateActive, 0, "", time.Time{}
	c.Project.ResumedAt = a.Now
	by := a.Viewer.UserID
	c.log(by, a.Now, LogStateChanged, "state", string(StateArchived), string(StateActive), "")
	c.log(by, a.Now, LogFieldChanged, "archive_reason", id64(p.ArchiveReasonID), "", "")
	return c, nil
}

// DecideOwner reassigns the project to owner, one of the tenant's active
// users. Only managers and admins reassign (PRODUCT.md: managers assign
// leads); a salesperson, owner or team member, may not, not even to
// themselves (ErrForbidden).
func DecideOwner(p Project, users []UserID, owner UserID, version int, a Actor) (Change, error) {
	if a.Viewer.Role != RoleManager && a.Viewer.Role != RoleAdmin {
		return Change{}, ErrForbidden
	}
	if err := checkVersion(p, version); err != nil {
		return Change{}, err
	}
	if !slices.Contains(users, owner) {
		return Change{}, FieldError("owner_id", MsgUnknownChoice)
	}
	if owner == p.OwnerID {
		return Change{}, FieldError("owner_id", MsgNothingToChange)
	}
	c := Change{Project: p, Touch: true}
	c.Project.OwnerID = owner
	if p.IsMember(owner) {
		c.RemoveMembers = []UserID{owner}
		c.Project.Members = slices.DeleteFunc(slices.Clone(p.Members), func(u UserID) bool { return u == owner })
	}
	c.log(a.Viewer.UserID, a.Now, LogOwnerChanged, "owner", id64(int64(p.OwnerID)), id64(int64(owner)), "")
	return c, nil
}

// DecideMembers adds or removes one team member (an active user of the tenant).
func DecideMembers(p Project, users []UserID, user UserID, add bool, version int, a Actor) (Change, error) {
	if err := checkVersion(p, version); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Touch: true}
	by := a.Viewer.UserID
	switch {
	case add && !slices.Contains(users, user):
		return Change{}, FieldError("member_id", MsgUnknownChoice)
	case add && user == p.OwnerID:
		return Change{}, FieldError("member_id", MsgOwnerIsMember)
	case add && p.IsMember(user):
		return Change{}, FieldError("member_id", MsgAlreadyMember)
	case add:
		c.AddMembers = []UserID{user}
		c.Project.Members = append(slices.Clone(p.Members), user)
		c.log(by, a.Now, LogTeam, "member", "", id64(int64(user)), "")
	case !p.IsMember(user):
		return Change{}, FieldError("member_id", MsgNotMember)
	default:
		c.RemoveMembers = []UserID{user}
		c.Project.Members = slices.DeleteFunc(slices.Clone(p.Members), func(u UserID) bool { return u == user })
		c.log(by, a.Now, LogTeam, "member", id64(int64(user)), "", "")
	}
	return c, nil
}
