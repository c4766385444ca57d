package pipeline

import "time"

// State is the state a project is in. Exactly one applies at a time.
type State uint8

// Project states, as in the product model.
const (
	StateUnknown  State = iota // zero value; treated as active
	StateActive                // in the pipeline
	StateDeferred              // qualified but not ready; returns to active at DeferUntil
	StateArchived              // unqualified lead or lost opportunity
	StateSold                  // the won milestone was completed
)

// String returns the state's stable name ("active", "deferred", ...).
func (s State) String() string {
	switch s {
	case StateActive, StateUnknown:
		return "active"
	case StateDeferred:
		return "deferred"
	case StateArchived:
		return "archived"
	case StateSold:
		return "sold"
	}
	return "unknown"
}

// Anchor says what a milestone's completion deadline counts from.
type Anchor uint8

// Deadline anchors.
const (
	FromPrevious Anchor = iota // the previous active milestone's completion (creation for the first)
	FromCreation               // the project's creation
)

// MilestoneDef is one of the tenant's milestone definitions.
type MilestoneDef struct {
	ID       int64
	Position int // order in the sales process; ties are broken by ID
	// DeadlineDays is the number of days allowed to complete the milestone,
	// counted from DeadlineFrom. Zero means the milestone has no deadline.
	DeadlineDays int
	DeadlineFrom Anchor
	Probability  int // configured chance, 0–100 %, that a project that completed it is sold
	Qualifying   bool
	Won          bool
	Active       bool // inactive milestones are ignored everywhere
}

// Completion records that a milestone of a project was completed at a time.
// An undone milestone simply has no completion.
type Completion struct {
	MilestoneID int64
	At          time.Time
}

// ItemKind tells a subtask from a scheduled event.
type ItemKind uint8

// Kinds of dated items on a project.
const (
	Subtask ItemKind = iota + 1
	Event
)

// DueItem is an open (not done) subtask or scheduled event of a project.
// Done items are not passed in.
type DueItem struct {
	ID   int64
	Kind ItemKind
	Due  time.Time
	// AllDay marks a due date rather than a due instant: the item is due on
	// Due's calendar date, read in Due's own location (a SQL date scanned as
	// UTC midnight works as is).
	AllDay bool
}

// ForecastCategory is the forecast category a salesperson puts a deal in.
type ForecastCategory uint8

// Forecast categories. The zero value counts as Pipeline.
const (
	CategoryNone ForecastCategory = iota
	CategoryPipeline
	CategoryBestCase
	CategoryCommit
	CategoryClosedWon
)

// String returns the category's stable name ("pipeline", "best_case", ...).
func (c ForecastCategory) String() string {
	switch c {
	case CategoryNone, CategoryPipeline:
		return "pipeline"
	case CategoryBestCase:
		return "best_case"
	case CategoryCommit:
		return "commit"
	case CategoryClosedWon:
		return "closed_won"
	}
	return "unknown"
}

// Project is the compact view of one project that every definition needs.
// It is filled from one database row; slices may share backing arrays.
type Project struct {
	ID          int64
	OwnerID     int64
	WorkgroupID int64
	SourceID    int64
	State       State
	Value       int64 // cents; a negative value counts as zero
	CreatedAt   time.Time
	Completions []Completion
	// Skipped are the milestones (by ID) this project skips: added to the
	// process after it had reached a later one. A skipped milestone is never
	// pending, never due and never late; a completion of it still counts.
	Skipped []int64

	ArchiveReasonID int64
	ArchivedAt      time.Time

	// DeferUntil is the instant a deferred project returns to active: the
	// start of the defer-until day in the tenant's time zone (see DayStart).
	DeferUntil time.Time
	// ResumedAt is when the project last came back to active from deferred
	// (zero if never). Deadlines of a resumed project count from here at the
	// earliest.
	ResumedAt time.Time

	// ExpectedClose is a calendar date; its year and month are read in its
	// own location, without conversion.
	ExpectedClose time.Time
	Forecast      ForecastCategory

	HasOverride         bool
	ProbabilityOverride int // 0–100 %, used when HasOverride

	LastActivityAt time.Time // zero: no activity since creation
	FirstTouchAt   time.Time // first human touch; zero: not touched yet

	Items []DueItem // open subtasks and scheduled events

	// Changes are the project's logged field changes from the instant a
	// report rebuilds the past from, oldest first; only AsOf and the
	// pipeline changes read them.
	Changes []FieldChange
}

// Key identifies a group in a grouped report (an owner ID, a month, ...).
type Key int64

// NoGroup is the key of every project when a report is not grouped.
const NoGroup Key = 0
