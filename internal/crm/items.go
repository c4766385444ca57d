package crm

import (
	"slices"
	"strings"
	"time"
)

// Event is a scheduled event of a project (appointment, site visit...).
type Event struct {
	ID          int64
	ProjectID   ProjectID
	MilestoneID MilestoneID // the milestone that created it, 0 = by hand
	Title       string
	OwnerID     UserID
	OwnerName   string
	StartsAt    time.Time
	Done        bool
	DoneAt      time.Time
}

// Subtask is an ad-hoc task under a milestone.
type Subtask struct {
	ID           int64
	ProjectID    ProjectID
	MilestoneID  MilestoneID
	Title        string
	AssigneeID   UserID
	AssigneeName string
	Due          Date
	Done         bool
	DoneAt       time.Time
}

// EventForm is the scheduled-event form as typed; the start is local time
// in the tenant's zone.
type EventForm struct {
	Title    string
	OwnerID  string
	StartsAt string
}

// ValidateEvent checks an event form (owner: an active user, default the
// viewer).
func ValidateEvent(in EventForm, ch Choices, a Actor) (Event, error) {
	var v Validator
	var e Event
	e.Title = v.CheckLine("event_title", in.Title, true, MaxName)
	e.OwnerID = checkUser(&v, "event_owner_id", in.OwnerID, ch.Users, a.Viewer.UserID)
	if strings.TrimSpace(in.StartsAt) == "" {
		v.Add("event_starts_at", MsgRequired)
	} else if t, ok := ParseLocalTime(in.StartsAt, a.Loc); !ok {
		v.Add("event_starts_at", MsgTimeInvalid)
	} else {
		e.StartsAt = t
	}
	return e, v.Err()
}

// SubtaskForm is the subtask form as typed.
type SubtaskForm struct {
	Title       string
	MilestoneID string
	AssigneeID  string
	Due         string
}

// ValidateSubtask checks a subtask form: the milestone must be one of the
// tenant's active milestones.
func ValidateSubtask(in SubtaskForm, defs []MilestoneDef, ch Choices, a Actor) (Subtask, error) {
	var v Validator
	var s Subtask
	s.Title = v.CheckLine("subtask_title", in.Title, true, MaxName)
	ids := []int64{}
	for _, d := range Process(defs) {
		ids = append(ids, int64(d.ID))
	}
	s.MilestoneID = MilestoneID(checkChoice(&v, "subtask_milestone_id", in.MilestoneID, ids, true))
	s.AssigneeID = checkUser(&v, "subtask_assignee_id", in.AssigneeID, ch.Users, a.Viewer.UserID)
	s.Due = checkDate(&v, "subtask_due", in.Due)
	return s, v.Err()
}

func checkUser(v *Validator, field, s string, users []UserID, def UserID) UserID {
	id, ok := ParseID(s)
	switch {
	case !ok:
		v.Add(field, MsgUnknownChoice)
	case id == 0:
		return def
	case !slices.Contains(users, UserID(id)):
		v.Add(field, MsgUnknownChoice)
	}
	return UserID(id)
}

// NoteLog is the log entry of a note a person typed. Notes are never edited
// or deleted; a correction is another note.
func NoteLog(p ProjectID, body string, a Actor) (LogEntry, error) {
	var v Validator
	body = v.CheckText("body", body, true, MaxLongText)
	if err := v.Err(); err != nil {
		return LogEntry{}, err
	}
	return LogEntry{ProjectID: p, At: a.Now, UserID: a.Viewer.UserID, Kind: LogNote, Body: body}, nil
}
