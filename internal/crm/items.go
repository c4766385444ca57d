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

// DecideNote adds a note a person typed to the project's log. Notes are
// never edited or deleted (a correction is another note); they count as
// activity but leave the version alone, so an open edit form stays valid.
func DecideNote(p Project, body string, a Actor) (Change, error) {
	var v Validator
	body = v.CheckText("body", body, true, MaxLongText)
	if err := v.Err(); err != nil {
		return Change{}, err
	}
	c := Change{Project: p, Activity: true}
	c.log(a.Viewer.UserID, a.Now, LogNote, "", "", "", body)
	return c, nil
}

// DecideAddEvent schedules an event on the project (owner: an active user,
// default the viewer).
func DecideAddEvent(p Project, in EventForm, ch Choices, a Actor) (Change, error) {
	e, err := ValidateEvent(in, ch, a)
	if err != nil {
		return Change{}, err
	}
	e.ProjectID = p.ID
	c := Change{Project: p, Activity: true, Events: []Event{e}}
	c.log(a.Viewer.UserID, a.Now, LogEvent, "created", "", "", e.Title)
	c.Log[len(c.Log)-1].HappenedAt = e.StartsAt
	return c, nil
}

// DecideEditEvent changes an event's title, owner and start; every field
// that changed is logged, old → new. An event that is not the project's is
// ErrNotFound.
func DecideEditEvent(p Project, id int64, in EventForm, ch Choices, a Actor) (Change, error) {
	old, ok := findEvent(p, id)
	if !ok {
		return Change{}, ErrNotFound
	}
	e, err := ValidateEvent(in, ch, a)
	if err != nil {
		return Change{}, err
	}
	n := old
	n.Title, n.OwnerID, n.StartsAt = e.Title, e.OwnerID, e.StartsAt
	c := Change{Project: p}
	by := a.Viewer.UserID
	if n.Title != old.Title {
		c.log(by, a.Now, LogEvent, "title", old.Title, n.Title, old.Title)
	}
	if n.OwnerID != old.OwnerID {
		c.log(by, a.Now, LogEvent, "owner", id64(int64(old.OwnerID)), id64(int64(n.OwnerID)), old.Title)
	}
	if !n.StartsAt.Equal(old.StartsAt) {
		c.log(by, a.Now, LogEvent, "starts_at", timeValue(old.StartsAt), timeValue(n.StartsAt), old.Title)
	}
	if len(c.Log) > 0 {
		c.Activity, c.EditEvents = true, []Event{n}
	}
	return c, nil
}

// DecideEventDone marks an event done (or open again). Marking it as it
// already is changes nothing.
func DecideEventDone(p Project, id int64, done bool, a Actor) (Change, error) {
	e, ok := findEvent(p, id)
	if !ok {
		return Change{}, ErrNotFound
	}
	c := Change{Project: p}
	if e.Done == done {
		return c, nil
	}
	e.Done, e.DoneAt = done, time.Time{}
	field := "reopened"
	if done {
		e.DoneAt, field = a.Now, "done"
	}
	c.Activity, c.EditEvents = true, []Event{e}
	c.log(a.Viewer.UserID, a.Now, LogEvent, field, "", map[bool]string{true: "done"}[done], e.Title)
	return c, nil
}

// DecideAddSubtask adds a subtask under one of the tenant's active milestones.
func DecideAddSubtask(p Project, defs []MilestoneDef, in SubtaskForm, ch Choices, a Actor) (Change, error) {
	st, err := ValidateSubtask(in, defs, ch, a)
	if err != nil {
		return Change{}, err
	}
	st.ProjectID = p.ID
	c := Change{Project: p, Activity: true, Subtasks: []Subtask{st}}
	c.log(a.Viewer.UserID, a.Now, LogSubtask, "created", "", st.Due.String(), st.Title)
	return c, nil
}

// DecideSubtaskDone marks a subtask done (or open again). Marking it as it
// already is changes nothing; a subtask that is not the project's is
// ErrNotFound.
func DecideSubtaskDone(p Project, id int64, done bool, a Actor) (Change, error) {
	var st Subtask
	i := slices.IndexFunc(p.Subtasks, func(s Subtask) bool { return s.ID == id })
	if i < 0 {
		return Change{}, ErrNotFound
	}
	st = p.Subtasks[i]
	c := Change{Project: p}
	if st.Done == done {
		return c, nil
	}
	st.Done, st.DoneAt = done, time.Time{}
	field := "reopened"
	if done {
		st.DoneAt, field = a.Now, "done"
	}
	c.Activity, c.EditSubtasks = true, []Subtask{st}
	c.log(a.Viewer.UserID, a.Now, LogSubtask, field, "", "", st.Title)
	return c, nil
}

func findEvent(p Project, id int64) (Event, bool) {
	i := slices.IndexFunc(p.Events, func(e Event) bool { return e.ID == id })
	if i < 0 {
		return Event{}, false
	}
	return p.Events[i], true
}
