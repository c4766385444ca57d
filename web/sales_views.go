package web

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// SalesView is the Sales screen.
type SalesView struct {
	Page
	Filters SalesFilters
	Rows    []SalesRow
	// Total matching projects: exact, or a true bound (more than Total
	// match, or at least Total).
	Total             int64
	MoreThan, AtLeast bool
	Sorts             map[string]SortLink // by column key
	NextURL           string              // "" on the last page
	FirstURL          string              // "" on the first page
	Query             string              // the current filters, for "all N matching" and return links
	ExportURL         string              // the projects of the current filter as a CSV file
	CanBulk           bool
	Filtered          bool // a filter or search narrows the view
	Bulk              BulkForm
}

// SalesFilters are the filter form's values as typed, its choices, and the
// names of the parameters that were ignored.
type SalesFilters struct {
	Values                                            map[string]string
	Owners, Workgroups, Milestones, Statuses, Sources []crm.Choice
	Reasons                                           []crm.Choice // archive reasons: the archived view's filter
	Notices                                           []string
	View                                              crm.State
	ViewURLs                                          map[crm.State]string
	ResetURL                                          string
	LoadURL                                           string // the rep load panel, for managers
	// ManagesNone: the viewer manages no workgroup of a tenant that has
	// some, so sees only their own and their team's projects; the page says so.
	ManagesNone bool
}

// Value returns a filter's typed value.
func (f SalesFilters) Value(name string) string { return f.Values[name] }

// SortLink is a column header's link and whether the list is sorted by it.
type SortLink struct {
	URL    string
	Active bool
	Desc   bool
}

// SalesRow is one project line of the Sales screen.
type SalesRow struct {
	ID            crm.ProjectID
	Title         string
	Customer      string
	Owner         string
	Last          string
	LastAt        time.Time
	Pending       string
	PendingID     int64
	PendingDue    time.Time
	Late          bool
	MilestoneLate bool
	// MilestoneDaysLate is how many days the pending milestone is late;
	// ItemLate says an open subtask or event (ItemKind "subtask", "event")
	// is late, by ItemDaysLate days.
	MilestoneDaysLate int
	ItemLate          bool
	ItemKind          string
	ItemDaysLate      int
	Status            string
	Value             int64
	AgeDays           int
	DeferUntil        crm.Date // deferred projects: the day they come back
	// Reason and ClosedAt: why and when an archived project was archived,
	// when a sold one was sold.
	Reason   string
	ClosedAt time.Time
}

// URL is the project's workspace.
func (r SalesRow) URL() string { return ProjectURL(r.ID) }

// LogURL is the project's log, a page or the Sales screen's drawer.
func (r SalesRow) LogURL() string { return ProjectURL(r.ID) + "/log" }

// LogReturn is the query a row's log link carries: the list as it is shown
// (its filters and order), where the log's forms return to without
// JavaScript.
func (v SalesView) LogReturn() string {
	list := "/"
	if v.Query != "" {
		list += "?" + v.Query
	}
	return "?return=" + url.QueryEscape(list)
}

// BulkForm is the bulk-action form of managers and admins.
type BulkForm struct {
	Owners, Reasons []crm.Choice
	Form
	Result *BulkResult
}

// BulkResult says what a bulk action changed.
type BulkResult struct {
	Action  string // owner, archive, defer
	Changed int
	Skipped int // already in that state or with that owner
}

// RepLoadView is the rep load panel: open and late projects per salesperson.
type RepLoadView struct {
	Page
	Reps     []RepLoadRow
	Fragment bool // only the table (htmx), not a whole page
}

// RepLoadRow is one salesperson's load and the Sales screen filtered to them.
type RepLoadRow struct {
	Name       string
	Open, Late int64
	URL        string
}

// BoardView is the pipeline board.
type BoardView struct {
	Page
	Filters SalesFilters
	Columns []BoardColumn
}

// BoardColumn is one stage's column: the active projects whose last
// completed milestone is MilestoneID (0: none completed yet).
type BoardColumn struct {
	MilestoneID int64
	Name        string // "" for the none-completed column
	Count       int64
	Value       int64
	Weighted    int64
	Cards       []BoardCard
	// Notice says what the move just made did, in the column the card
	// moved to.
	Notice *BoardNotice
}

// More is how many projects of the column are not shown as cards.
func (c BoardColumn) More() int64 { return c.Count - int64(len(c.Cards)) }

// BoardNotice is the confirmation of a move, shown once.
type BoardNotice struct {
	Title  string   // the project's
	Column string   // the stage it moved to
	Sold   bool     // the move completed the won milestone: the deal left the board
	Undone []string // a move back: the milestones undone, latest first
}

// BoardCard is one project on the board, in the column of the stage it has
// reached. NextName is its next step (the pending milestone). Forward are
// the later columns (the next first), moving to which completes that
// column's milestone; Back the earlier ones (the nearest first), moving to
// which undoes the completions after it.
type BoardCard struct {
	SalesRow
	DaysInStage int
	Version     int
	NextName    string
	Forward     []BoardTarget
	Back        []BoardTarget
	CompletedAt string // default completion time, local, 2006-01-02T15:04
	Return      string
	Moved       bool // the card the column's notice is about
	Move        *BoardMoveForm
}

// NextColumn is the column moving forward goes to by default, 0 for none.
func (c BoardCard) NextColumn() int64 {
	if len(c.Forward) == 0 {
		return 0
	}
	return c.Forward[0].ID
}

// PrevColumn is the column moving back goes to by default, 0 for none.
func (c BoardCard) PrevColumn() int64 {
	if len(c.Back) == 0 {
		return 0
	}
	return c.Back[0].ID
}

// completedAt is the completion time the forward form shows: the one typed
// when the move comes back with a question, else now.
func (c BoardCard) completedAt() string {
	if c.Move != nil && c.Move.Values["completed_at"] != "" {
		return c.Move.Values["completed_at"]
	}
	return c.CompletedAt
}

// moveValue is a typed value of the move that came back, "" for none.
func (c BoardCard) moveValue(name string) string {
	if c.Move == nil {
		return ""
	}
	return c.Move.Value(name)
}

// MoveURL is the route that moves the card.
func (c BoardCard) MoveURL() string { return c.URL() + "/move" }

// BoardTarget is a column a card may move to.
type BoardTarget struct {
	ID   int64
	Name string
}

// BoardMoveForm is a move that needs an answer before it happens: a
// confirmation (what moving back undoes, or the earlier milestones moving
// forward completes as well) or a problem with what was typed, with the
// input kept.
type BoardMoveForm struct {
	Back    bool
	To      int64
	ToName  string
	Confirm bool
	Undo    []BoardUndo
	Earlier []string
	Form
}

// BoardUndo is a completion a move back undoes.
type BoardUndo struct {
	Name string
	At   time.Time
}

// salesViews are the Sales screen's views in tab order.
var salesViews = [...]crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived, crm.StateSold}

// closedView reports whether a view lists closed projects (archived or
// sold): its rows show when they were closed (and why) instead of a next
// step, and nothing in them can be late.
func closedView(v crm.State) bool { return v == crm.StateArchived || v == crm.StateSold }

// salesColumns are the sortable columns in table order: sort key, label,
// numeric.
var salesColumns = [...]struct {
	key, label string
	num        bool
}{
	{"title", "sales.col.title", false}, {"customer", "sales.col.customer", false}, {"owner", "sales.col.owner", false},
	{"last", "sales.col.last", false}, {"pending", "sales.col.pending", false}, {"status", "sales.col.status", false},
	{"value", "sales.col.value", true}, {"created", "sales.col.age", true},
}

// ariaSort is a column header's aria-sort value.
func ariaSort(s SortLink) string {
	switch {
	case !s.Active:
		return "none"
	case s.Desc:
		return "descending"
	}
	return "ascending"
}

// bulkActionsIn are the bulk actions a view offers.
func bulkActionsIn(view crm.State) []string {
	switch view {
	case crm.StateArchived:
		return []string{crm.BulkOwner, crm.BulkReopen}
	case crm.StateSold:
		return []string{crm.BulkOwner}
	}
	return []string{crm.BulkOwner, crm.BulkArchive, crm.BulkDefer}
}

// bulkOffers reports whether view offers the bulk action: the form shows
// an action's fields (the archive reason, the defer date) only there.
func bulkOffers(view crm.State, action string) bool {
	return slices.Contains(bulkActionsIn(view), action)
}

// bulkActions are the bulk form's actions.
func bulkActions(ctx context.Context, view crm.State) []Option {
	acts := bulkActionsIn(view)
	out := make([]Option, 0, len(acts))
	for _, a := range acts {
		out = append(out, Option{Value: a, Label: T(ctx, "sales.bulk."+a)})
	}
	return out
}
