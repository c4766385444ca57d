package web

import (
	"context"
	"strconv"

	"github.com/pipewell/pipewell/internal/crm"
)

// ReportsIndexView is the list of built-in reports, grouped by how often a
// manager runs them.
type ReportsIndexView struct {
	Page
	Groups []ReportGroup
}

// ReportGroup is one cadence of the index (daily, weekly, monthly).
type ReportGroup struct {
	Key     string // catalog key of its heading
	Reports []ReportLink
}

// ReportLink is one report of the index; URL is empty while it is not built.
type ReportLink struct {
	Title, Summary string // catalog keys
	URL            string
	Raw            bool // Title is a name shown as it is (a saved report)
}

// ReportFilters is the filter form every report shares. Its values are the
// URL's parameters as typed; Errors holds a message key beside each wrong
// one.
type ReportFilters struct {
	Form
	Action  string // the report's path
	Presets []string
	// Period tells whether the report has a period; PeriodLabel names what
	// it selects (created in, happened in).
	Period      bool
	PeriodLabel string
	Owners      []crm.Choice
	Workgroups  []crm.Choice
	Sources     []crm.Choice
	ResetURL    string
	// Extra are the report's own choices (a view, a grouping), as selects.
	Extra []ReportSelect
	// Dates are the report's own date filters (Options unused).
	Dates []ReportSelect
	// Hidden are parameters the form carries unchanged (the number a list
	// of projects is behind).
	Hidden []Option
}

// ReportSelect is a report's own filter: a select of fixed options.
type ReportSelect struct {
	Name, Label string
	Options     []Option
}

// ReportFrame is what every report page shows around its table: the
// filters, whose projects it covers, the download, the explanations, and
// the message that replaces the table when the report cannot run.
type ReportFrame struct {
	Page
	Filters ReportFilters
	// Whose is the catalog key of the line that says whose projects the
	// report covers.
	Whose string
	// PeriodText is the resolved period, as shown ("2026-03-01 – 2026-03-31"), "" for none.
	PeriodText string
	CSVURL     string
	Explain    []ReportExplain
	// Failure is the catalog key of the message shown instead of the
	// report (a filter to fix, a report that took too long).
	Failure string
}

// ReportExplain is one definition under "How is this calculated?".
type ReportExplain struct {
	Key  string // catalog key of its title
	Text string // catalog key of its text
}

// BarChart is an inline SVG bar chart: one group of bars per label, one bar
// per series. The table beside it is its accessible alternative.
type BarChart struct {
	Title  string   // catalog key
	XLabel string   // catalog key
	YLabel string   // catalog key
	Series []string // catalog keys, one per bar of a group
	Groups []ChartGroup
	Money  bool // values are cents
	// Line is an optional line drawn over the bars, one value per group
	// (a quota), named by LineSeries.
	Line       []int64
	LineSeries string // catalog key
	// Stacked stacks a group's bars into one; RawSeries: Series are names
	// shown as they are (a dimension's values), not catalog keys.
	Stacked, RawSeries bool
}

// seriesName is how series i is named.
func (c BarChart) seriesName(ctx context.Context, i int) string {
	if c.RawSeries {
		return c.Series[i]
	}
	return T(ctx, c.Series[i])
}

// ChartGroup is one label of the x axis and its values, one per series.
type ChartGroup struct {
	Label  string
	Values []int64
	URL    string // where clicking the group leads (its drill-down), "" for none
}

// Chart geometry, in SVG user units.
const (
	chartW, chartH         = 720, 280
	chartLeft, chartRight  = 90, 10
	chartTop, chartBottom  = 30, 70
	chartTicks             = 4
	chartGroupGap, barGap  = 0.25, 2
	chartLabelMaxRunes     = 16
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
)

// chartBar is one bar, placed.
type chartBar struct {
	X, Y, W, H float64
	Series     int
	Value      int64
	Label      string // the group's label, for the bar's <title>
	Stacked    bool   // a part of a stacked bar: no value label above it
}

// chartTick is one line of the y axis.
type chartTick struct {
	Y     float64
	Value int64
}

// chartLabel is one label of the x axis.
type chartLabel struct {
	X    float64
	Text string
	URL  string
}

// chartLayout is a BarChart placed on its canvas.
type chartLayout struct {
	Points []chartBar // the line's points (X, Y, Value, Label)
	Bars   []chartBar
	Ticks  []chartTick
	Labels []chartLabel
}

// role is the chart's ARIA role: an image, unless its labels link to the
// projects behind them. Links inside an image would be hidden from screen
// readers (and an image may hold no control), so such a chart is a group
// named by its title, whose links can be reached.
func (l chartLayout) role() string {
	for _, lb := range l.Labels {
		if lb.URL != "" {
			return "group"
		}
	}
	return "img"
}

// layout places the bars on a scale from 0 to a round maximum.
func (c BarChart) layout() chartLayout {
	var l chartLayout
	top := int64(0)
	for _, g := range c.Groups {
		sum := int64(0)
		for _, v := range g.Values {
			top = max(top, v)
			sum += v
		}
		if c.Stacked {
			top = max(top, sum)
		}
	}
	for _, v := range c.Line {
		top = max(top, v)
	}
	top = niceCeil(top)
	n := len(c.Groups)
	if n == 0 {
		return l
	}
	slot := float64(chartPlotW) / float64(n)
	inner := slot * (1 - chartGroupGap)
	series := max(len(c.Series), 1)
	bw := (inner - float64(series-1)*barGap) / float64(series)
	if c.Stacked {
		bw = inner
	}
	for i, g := range c.Groups {
		x0 := float64(chartLeft) + slot*float64(i) + (slot-inner)/2
		if c.Stacked {
			base := float64(chartTop + chartPlotH)
			for s, v := range g.Values {
				h := float64(v) / float64(top) * chartPlotH
				base -= h
				l.Bars = append(l.Bars, chartBar{X: x0, Y: base, W: bw, H: h, Series: s, Value: v, Label: g.Label, Stacked: true})
			}
			l.Labels = append(l.Labels, chartLabel{X: float64(chartLeft) + slot*(float64(i)+0.5), Text: shorten(g.Label, chartLabelMaxRunes), URL: g.URL})
			continue
		}
		for s, v := range g.Values {
			h := float64(v) / float64(top) * chartPlotH
			l.Bars = append(l.Bars, chartBar{X: x0 + float64(s)*(bw+barGap), Y: chartTop + chartPlotH - h, W: bw, H: h,
				Series: s, Value: v, Label: g.Label})
		}
		if i < len(c.Line) {
			l.Points = append(l.Points, chartBar{X: float64(chartLeft) + slot*(float64(i)+0.5),
				Y: chartTop + chartPlotH - float64(c.Line[i])/float64(top)*chartPlotH, Value: c.Line[i], Label: g.Label})
		}
		l.Labels = append(l.Labels, chartLabel{X: float64(chartLeft) + slot*(float64(i)+0.5), Text: shorten(g.Label, chartLabelMaxRunes), URL: g.URL})
	}
	for i := 0; i <= chartTicks; i++ {
		v := top * int64(i) / chartTicks
		l.Ticks = append(l.Ticks, chartTick{Y: chartTop + chartPlotH - float64(chartPlotH)*float64(i)/chartTicks, Value: v})
	}
	return l
}

// niceCeil is the smallest of 1, 2, 2.5, 5 × 10ⁿ at or above v (1 for 0),
// so the axis is divided into round steps.
func niceCeil(v int64) int64 {
	if v <= 0 {
		return 1
	}
	p := int64(1)
	for p*10 <= v && p < 1e17 {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 10} { // ×4 keeps four ticks round
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// f1 writes a coordinate with one decimal.
func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

// PipelineReportView is the Pipeline report: the active projects by the
// stage they have reached.
type PipelineReportView struct {
	ReportFrame
	StagnantDays int
	// AsOf, when the report is of a past day, says which (its Key empty
	// otherwise); stagnation is not shown then.
	AsOf  ReportNote
	Rows  []PipelineStageRow
	Total PipelineStageRow
	Chart BarChart
}

// PipelineStageRow is one stage (the last completed milestone) of the
// pipeline, or the total.
type PipelineStageRow struct {
	Stage, Next      string // names; Stage "" is the total row, Next "" when none follows
	NoStage          bool   // projects with no completed milestone
	Count, Stagnant  int
	Value, Weighted  int64 // cents
	Probability      float64
	URL, StagnantURL string // the projects behind the numbers
}

// DrillView is the list of projects behind a number of a report.
type DrillView struct {
	ReportFrame
	ReportTitle, ReportURL string
	// Cell says which number this is, already translated by the handler's
	// catalog keys: a key and its argument.
	CellKey, CellArg string
	Rows             []DrillRow
	Count            int
	Value, Weighted  int64
	// Shown is how many rows the page lists (the CSV has them all).
	Shown int
	// ValueKey names the value column when the number is not the
	// projects' value (a change of the pipeline); "" for the value.
	ValueKey string
}

// DrillRow is one project behind a number, with the Sales screen's columns.
type DrillRow struct {
	ID                     int64
	Title, Customer, Owner string
	State                  crm.State
	Stage, Pending         string
	Value, Weighted        int64
	Created                string // tenant-local day, ISO
}

// presetOptions are the period presets as options of the period select.
func presetOptions(ctx context.Context, presets []string) []Option {
	out := make([]Option, len(presets))
	for i, p := range presets {
		out[i] = Option{Value: p, Label: T(ctx, "reports.preset."+p)}
	}
	return out
}

// chartValue formats a value of c in full (money or a count).
func chartValue(ctx context.Context, c BarChart, v int64) string {
	if c.Money {
		return LocaleFrom(ctx).Money(v)
	}
	return LocaleFrom(ctx).Number(v)
}

// chartShort formats a value of c for a label above its bar: money in
// whole units with k and M, so labels fit their bars.
func chartShort(ctx context.Context, c BarChart, v int64) string {
	if !c.Money {
		return LocaleFrom(ctx).Number(v)
	}
	units := v / 100
	switch {
	case units >= 10_000_000:
		return LocaleFrom(ctx).Number(units/1_000_000) + "M"
	case units >= 10_000:
		return LocaleFrom(ctx).Number(units/1_000) + "k"
	}
	return LocaleFrom(ctx).Number(units)
}

// linePoints is the line's points as an SVG points list.
func (l chartLayout) linePoints() string {
	b := make([]byte, 0, len(l.Points)*12)
	for i, p := range l.Points {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, f1(p.X)...)
		b = append(b, ',')
		b = append(b, f1(p.Y)...)
	}
	return string(b)
}

// legendX is where the legend of series i starts: 170 units apart, closer
// when more series (and the line) must fit.
func (c BarChart) legendX(i int) int {
	n := len(c.Series)
	if c.LineSeries != "" {
		n++
	}
	step := 170
	if n > 0 {
		step = min(step, (chartW-chartLeft)/n)
	}
	return chartLeft + i*step
}

// ReportTable is a report's table of counts and sums by group, with its
// total row: every number links to the projects behind it.
type ReportTable struct {
	Caption string // catalog key
	First   string // catalog key of the group column
	Columns []ReportColumn
	Rows    []ReportRow
	Total   ReportRow
}

// ReportColumn is one column of a ReportTable.
type ReportColumn struct {
	Name     string // the CSV header
	Key, Arg string // the catalog key (and its argument) shown
	Money    bool
	// Check marks the column that checks a sum (shown as ✓ or ✗).
	Check bool
	// Duration: the numbers are milliseconds, shown as hours or days.
	Duration bool
}

// ReportRow is one group of a ReportTable (or its total row).
type ReportRow struct {
	Label    string // a name ("" for the total row)
	LabelKey string // or a catalog key
	Cells    []ReportCell
}

// ReportCell is one number of a ReportTable; OK is a check's result;
// Over marks a time over its target.
type ReportCell struct {
	N    int64
	URL  string
	OK   bool
	Over bool
}

// cellText formats a number of a table.
func cellText(ctx context.Context, c ReportColumn, n int64) string {
	if c.Duration {
		return DurationText(ctx, n)
	}
	if c.Money {
		return LocaleFrom(ctx).Money(n)
	}
	return LocaleFrom(ctx).Number(n)
}

// FunnelReportView is the sales funnel by sales owner, in its cohort or
// activity view.
type FunnelReportView struct {
	ReportFrame
	Activity bool
	Chart    BarChart
	Table    ReportTable
}

// LateReportView is the Late milestones report: every late milestone,
// subtask and event, by owner, with the counts per owner above.
type LateReportView struct {
	ReportFrame
	Summary ReportTable
	Groups  []LateGroup
	// Shown is how many late things are listed (the CSV has them all);
	// Total how many there are.
	Shown, Total int
}

// LateGroup is one owner's late things.
type LateGroup struct {
	Owner string
	Rows  []LateRow
	Count int // all of the owner's late things, listed or not
}

// LateRow is one late thing.
type LateRow struct {
	ProjectID         int64
	Project, Customer string
	Kind              string // milestone, subtask or event
	What              string // the milestone's name, the subtask's or event's title
	Due               string // ISO day, or day and time for an event
	DaysLate          int
}

// StepsReportView is the Sales process step completion times report.
type StepsReportView struct {
	ReportFrame
	Steps []StepSection
	Chart BoxChart
	// TargetDays is the deadline of the qualifying milestone (0: none),
	// which the qualification step is held against.
	TargetDays int
	TargetName string
}

// StepSection is one step: its table by owner and its outliers.
type StepSection struct {
	Name     string // "Lead created → Lead qualified"
	First    bool   // the qualification step (creation → qualified or archived)
	Table    ReportTable
	Outliers []StepOutlier
	// OutliersURL lists every outlier of the step.
	OutliersURL string
}

// StepOutlier is one of the slowest projects of a step.
type StepOutlier struct {
	ProjectID int64
	Took      int64 // milliseconds
}

// BoxChart draws one box per step: from the median to the 90th
// percentile, a whisker to the maximum and a dot at the mean.
type BoxChart struct {
	Title string // catalog key
	Boxes []Box
}

// Box is one step of a BoxChart, in milliseconds.
type Box struct {
	Label                  string
	Median, P90, Max, Mean int64
	Target                 int64 // a target line (0: none)
}

// boxLayout places a box on the chart's scale.
type boxLayout struct {
	Box
	Y                         float64
	XMedian, XP90, XMax, XAvg float64
	XTarget                   float64
}

const boxRowH, boxLeft, boxW = 34, 200, 480

// layout places the boxes on one linear scale from 0 to the longest maximum.
func (c BoxChart) layout() (rows []boxLayout, height int, top int64) {
	for _, b := range c.Boxes {
		top = max(top, b.Max, b.Target)
	}
	top = max(top, 1)
	x := func(v int64) float64 { return boxLeft + float64(v)/float64(top)*boxW }
	for i, b := range c.Boxes {
		l := boxLayout{Box: b, Y: float64(20 + i*boxRowH), XMedian: x(b.Median), XP90: x(b.P90), XMax: x(b.Max), XAvg: x(b.Mean)}
		if b.Target > 0 {
			l.XTarget = x(b.Target)
		}
		rows = append(rows, l)
	}
	return rows, 40 + len(c.Boxes)*boxRowH, top
}

// DurationText writes milliseconds as hours below two days, else days.
func DurationText(ctx context.Context, ms int64) string {
	h := float64(ms) / 3_600_000
	if h < 48 {
		return T(ctx, "reports.hours", strconv.FormatFloat(h, 'f', 1, 64))
	}
	return T(ctx, "reports.days", strconv.FormatFloat(h/24, 'f', 1, 64))
}

// LoadReportView is the Rep load report.
type LoadReportView struct {
	ReportFrame
	Table ReportTable
}

// QualifiedReportView is the Qualified lead status report: the qualified
// open projects by owner, flagged where their data is not kept current.
type QualifiedReportView struct {
	ReportFrame
	Summary      ReportTable
	Groups       []QualifiedGroup
	Shown, Total int
}

// QualifiedGroup is one owner's qualified open projects.
type QualifiedGroup struct {
	Owner string
	Rows  []QualifiedRow
	Count int
}

// QualifiedRow is one qualified open project.
type QualifiedRow struct {
	ID                            int64
	Title, Scope, Status, Pending string
	State                         crm.State
	LastActivity                  string // ISO day
	DaysSince                     int
	NoScope, NoStatus             bool
}
