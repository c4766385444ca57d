package web

import (
	"context"
	"net/url"
	"strconv"
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

// BoardColumn is one pending milestone's column.
type BoardColumn struct {
	MilestoneID int64
	Name        string // "" for the no-pending column
	Count       int64
	Value       int64
	Weighted    int64
	Cards       []BoardCard
}

// More is how many projects of the column are not shown as cards.
func (c BoardColumn) More() int64 { return c.Count - int64(len(c.Cards)) }

// BoardCard is one project on the board. NextID/NextName are its pending
// milestone, which moving the card to the next column completes.
type BoardCard struct {
	SalesRow
	DaysInStage int
	Version     int
	NextName    string
	NextColumn  int64  // the column the card moves to
	CompletedAt string // default completion time, local, 2006-01-02T15:04
	Return      string
}

// CompleteURL is the projects part's route that completes the pending milestone.
func (c BoardCard) CompleteURL() string {
	return c.URL() + "/milestones/" + strconv.FormatInt(c.PendingID, 10) + "/complete"
}

// salesViews are the Sales screen's views in tab order.
var salesViews = [...]crm.State{crm.StateActive, crm.StateDeferred, crm.StateArchived, crm.StateSold}

// closedView reports whether a view lists closed projects (archived or
// sold): its rows show when they were closed (and why) instead of a next
// step, and nothing in them can be late.
func closedView(v crm.State) bool { return v == crm.StateArchived || v == crm.StateSold }

// columnLabel is a column's header in a view: the next-step column of a
// closed view says when (and why) the projects were closed.
func columnLabel(view crm.State, key, label string) string {
	if key == "pending" && closedView(view) {
		return "sales.col." + string(view)
	}
	return label
}

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

// bulkActions are the bulk form's actions.
func bulkActions(ctx context.Context, view crm.State) []Option {
	acts := []string{crm.BulkOwner, crm.BulkArchive, crm.BulkDefer}
	switch view {
	case crm.StateArchived:
		acts = []string{crm.BulkOwner, crm.BulkReopen}
	case crm.StateSold:
		acts = []string{crm.BulkOwner}
	}
	out := make([]Option, 0, len(acts))
	for _, a := range acts {
		out = append(out, Option{Value: a, Label: T(ctx, "sales.bulk."+a)})
	}
	return out
}
