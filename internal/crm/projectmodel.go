package crm

import (
	"strconv"
	"time"
)

// Project is one lead/opportunity with everything the decisions need.
type Project struct {
	ID            ProjectID
	ExternalID    string // its ID in the system it was imported from; "" for none
	Title         string
	AccountID     int64
	ContactID     int64 // 0 = none
	OwnerID       UserID
	SourceID      int64 // 0 = none
	Referrer      string
	Scope         string
	Value         int64 // cents
	ExpectedClose Date
	StatusID      int64 // milestone status; 0 = none
	Forecast      ForecastCategory
	// Probability is the probability typed on the project (0–100 %), which
	// wins over its stage's; HasProbability says whether one is typed.
	HasProbability  bool
	Probability     int
	State           State
	ArchiveReasonID int64
	ArchiveNote     string
	ArchivedAt      time.Time
	DeferUntil      Date
	SoldAt          time.Time
	ResumedAt       time.Time // last came back to active (from deferred or archived)
	CreatedAt       time.Time
	CreatedBy       UserID
	LastActivityAt  time.Time // last change or note; zero: none since creation
	FirstTouchAt    time.Time // first time a person worked on it; zero: not yet
	Version         int
	Members         []UserID
	Completions     []Completion
	Skipped         []MilestoneID // milestones added after it had reached a later one (see pipeline's doc)
	Events          []Event       // its scheduled events, open and done
	Subtasks        []Subtask     // its subtasks, open and done
}

// EffectiveState is the state the project counts as at now: a deferred
// project whose defer-until day has come (in the tenant's zone) is active,
// without anyone touching it.
func (p Project) EffectiveState(now time.Time, loc *time.Location) State {
	if p.State == StateDeferred && !p.DeferUntil.IsZero() && !now.Before(p.DeferUntil.Start(loc)) {
		return StateActive
	}
	return p.State
}

// Completed returns the completion of milestone id, if any.
func (p Project) Completed(id MilestoneID) (Completion, bool) {
	for _, c := range p.Completions {
		if c.MilestoneID == id {
			return c, true
		}
	}
	return Completion{}, false
}

// IsMember reports whether u is a team member.
func (p Project) IsMember(u UserID) bool { return contains(p.Members, u) }

// Forecast categories a person may pick.
var ForecastCategories = []ForecastCategory{ForecastPipeline, ForecastBestCase, ForecastCommit, ForecastClosedWon, ForecastOmitted}

// Valid reports whether c is a defined category.
func (c ForecastCategory) Valid() bool {
	for _, x := range ForecastCategories {
		if x == c {
			return true
		}
	}
	return false
}

// Change is what one command does to a project: the project as it is after
// the change (its row written with version+1 when Touch), completions added
// and removed, events and subtasks created or changed, team members added
// and removed, and the log entries that record all of it. Activity marks
// work on the project that leaves its row's version alone (a note, an
// item): it still counts as the project's last activity. A change with
// nothing in it writes nothing (a repeated "done"). internal/postgres
// applies a Change in the transaction that locked the project, with the
// derived data it makes stale.
type Change struct {
	Project       Project
	Touch         bool
	Activity      bool
	Complete      []Completion
	Undo          []MilestoneID
	Events        []Event   // created
	EditEvents    []Event   // changed, by ID: title, owner, start, done
	Subtasks      []Subtask // created
	EditSubtasks  []Subtask // changed, by ID: done
	AddMembers    []UserID
	RemoveMembers []UserID
	Log           []LogEntry
}

// Empty reports whether the change writes nothing.
func (c Change) Empty() bool {
	return !c.Touch && !c.Activity && len(c.Complete) == 0 && len(c.Undo) == 0 && len(c.Events) == 0 &&
		len(c.EditEvents) == 0 && len(c.Subtasks) == 0 && len(c.EditSubtasks) == 0 && len(c.AddMembers) == 0 &&
		len(c.RemoveMembers) == 0 && len(c.Log) == 0
}

func (c *Change) log(by UserID, now time.Time, kind LogKind, field, old, new, body string) {
	c.Log = append(c.Log, LogEntry{ProjectID: c.Project.ID, At: now, UserID: by, Kind: kind,
		Field: field, OldValue: old, NewValue: new, Body: body})
}

func id64(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func timeValue(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
