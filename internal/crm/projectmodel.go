package crm

import (
	"strconv"
	"time"
)

// Project is one lead/opportunity with everything the decisions need.
type Project struct {
	ID              ProjectID
	Title           string
	AccountID       int64
	ContactID       int64 // 0 = none
	OwnerID         UserID
	SourceID        int64 // 0 = none
	Referrer        string
	Scope           string
	Value           int64 // cents
	ExpectedClose   Date
	StatusID        int64 // milestone status; 0 = none
	Forecast        ForecastCategory
	State           State
	ArchiveReasonID int64
	ArchiveNote     string
	ArchivedAt      time.Time
	DeferUntil      Date
	SoldAt          time.Time
	ResumedAt       time.Time // last came back to active (from deferred or archived)
	CreatedAt       time.Time
	Version         int
	Members         []UserID
	Completions     []Completion
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
// the change (written with version+1 when Touch), completions added and
// removed, events created, team members added and removed, and the log
// entries that record all of it. internal/postgres applies a Change in the
// transaction that locked the project.
type Change struct {
	Project       Project
	Touch         bool
	Complete      []Completion
	Undo          []MilestoneID
	Events        []Event
	AddMembers    []UserID
	RemoveMembers []UserID
	Log           []LogEntry
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
