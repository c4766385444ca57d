package web

import "github.com/pipewell/pipewell/internal/crm"

// BuilderView is the report builder: the definition's form (its values are
// the URL's parameters as typed, with a message beside each wrong one) and
// the report it gives, a detail list or a summary.
type BuilderView struct {
	Page
	Kind string // detail or summary
	Form Form
	// Action is where the form is sent (GET): the builder or the saved report.
	Action string
	// Columns are a detail report's chosen columns, in order, with the
	// links that move or remove each.
	Columns                                                    []BuilderColumn
	AddOptions                                                 []Option
	SortOptions                                                []Option
	DimOptions                                                 []Option
	Measures                                                   []BuilderMeasure
	StateOptions                                               []Option
	DateOptions                                                []Option
	TextOptions                                                []Option
	Owners, Workgroups, Sources, Statuses, Reasons, Milestones []crm.Choice
	Whose                                                      string // catalog key
	Notes                                                      []ReportNote
	Failure                                                    string // catalog key of the message shown instead of the report
	CSVURL                                                     string
	// Hidden are parameters the form carries unchanged (a drilled cell).
	Hidden []Option
	// Drill says which cell of a summary the list is behind.
	Drill string

	// A detail report: headings, rows (the first cell links the project),
	// and the next page.
	Head    []string
	Rows    [][]StatCell
	NextURL string

	// A summary: the pivot (first column the row dimension; with two
	// dimensions, one column per value of the second and a total) and its chart.
	PivotHead []string
	Pivot     [][]StatCell
	PivotFoot []StatCell
	Chart     *BarChart
	// Save is the save form: name and shared; CanShare says whether the
	// viewer may share.
	Save     Form
	CanShare bool
	SaveURL  string
	// A saved report: its name, owner and the links of what the viewer may do.
	SavedID                 int64
	SavedName, SavedOwner   string
	DeleteURL, DuplicateURL string
}

// BuilderColumn is one chosen column of a detail report.
type BuilderColumn struct {
	Label                   string
	UpURL, DownURL, DropURL string
}

// BuilderMeasure is one measure a summary may compute.
type BuilderMeasure struct {
	Key, Label string
	On         bool
}
