package crm

import "time"

// ProjectID identifies a project within a tenant.
type ProjectID int64

// MilestoneID identifies a milestone definition within a tenant.
type MilestoneID int64

// State is where a project is in its life (PRODUCT.md).
type State string

// The four states of a project.
const (
	StateActive   State = "active"   // in the pipeline
	StateDeferred State = "deferred" // qualified but not ready; active again from defer-until
	StateArchived State = "archived" // unqualified or lost; carries an archive reason
	StateSold     State = "sold"     // the won milestone was completed
)

// ForecastCategory is the rep's call on a deal, used by the forecast.
type ForecastCategory string

// Forecast categories.
const (
	ForecastPipeline  ForecastCategory = "pipeline"
	ForecastBestCase  ForecastCategory = "best_case"
	ForecastCommit    ForecastCategory = "commit"
	ForecastClosedWon ForecastCategory = "closed_won"
	ForecastOmitted   ForecastCategory = "omitted"
)

// LogKind says what a project log entry records.
type LogKind string

// Kinds of project log entries. Notes are typed by people; every other kind is
// written by the system in the same transaction as the change it records.
const (
	LogCreated            LogKind = "created"
	LogNote               LogKind = "note"
	LogMilestoneCompleted LogKind = "milestone_completed"
	LogMilestoneUndone    LogKind = "milestone_undone"
	LogStateChanged       LogKind = "state_changed"
	LogFieldChanged       LogKind = "field_changed"
	LogOwnerChanged       LogKind = "owner_changed"
	LogStatusChanged      LogKind = "status_changed"
	LogEvent              LogKind = "event"
	LogSubtask            LogKind = "subtask"
	LogTeam               LogKind = "team"
)

// LogEntry is one line of a project's timeline.
type LogEntry struct {
	ID        int64
	ProjectID ProjectID
	At        time.Time
	UserID    UserID // 0 = the system
	UserName  string
	Kind      LogKind
	Field     string
	OldValue  string
	NewValue  string
	Body      string
	// HappenedAt is when the recorded thing happened, when a person stated it
	// (a milestone's completion time); zero otherwise.
	HappenedAt time.Time
}
