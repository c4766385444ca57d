package web

import (
	"context"
	"strconv"

	"golang.org/x/text/number"
)

// CellKind says how a cell of a report table is shown (and, by the server,
// exported).
type CellKind uint8

// Kinds of report cells.
const (
	CellText    CellKind = iota // Text as is
	CellCount                   // N, a count
	CellMoney                   // N cents
	CellPercent                 // F, a fraction shown as a percentage
	CellRatio                   // F, a plain ratio with two decimals (coverage)
	CellDays                    // F days, one decimal
	CellHours                   // N seconds, shown as hours with one decimal
	CellScore                   // F, a score with four decimals (Brier)
	CellNone                    // undefined: shown as a dash, exported empty
)

// StatCell is one cell of a report table. URL, when set, lists the
// projects behind the number.
type StatCell struct {
	Kind CellKind
	Text string
	N    int64
	F    float64
	URL  string
}

// StatColumn is one column of a report table: its heading (a catalog
// key) and its name in the CSV file.
type StatColumn struct {
	Key, CSV string
	Num      bool
}

// StatTable is a report's table with its total row (nil: none). The
// first cell of each row is its heading.
type StatTable struct {
	ID      string
	Caption string // catalog key
	Columns []StatColumn
	Rows    [][]StatCell
	Total   []StatCell
	CSVURL  string // the table as a CSV file
}

// ReportNote is a line of a report above its tables: a catalog key and
// its argument.
type ReportNote struct {
	Key, Arg string
}

// TableReportView is a report made of tables (and charts): Forecast,
// Commission, Referral, Sales performance, Probability calibration.
type TableReportView struct {
	ReportFrame
	Title       string // catalog key
	Notes       []ReportNote
	Charts      []BarChart
	Waterfall   *Waterfall
	Reliability *ReliabilityChart
	Tables      []StatTable
	// SettingURL links an admin to the setting the report informs
	// (learned probabilities), "" for others.
	SettingURL string
}

// ReliabilityPoint is one milestone on the reliability chart: the
// probability a set predicted and the share of its projects sold.
type ReliabilityPoint struct {
	Label               string
	Predicted, Observed float64 // fractions
	N                   int
}

// ReliabilityChart plots predicted against observed probability for the
// configured and the learned set; a calibrated set lies on the diagonal.
type ReliabilityChart struct {
	Title               string // catalog key
	Configured, Learned []ReliabilityPoint
}

// Reliability chart geometry, in SVG user units: a square plot.
const (
	relSize, relMargin = 320, 50
	relPlot            = relSize - 2*relMargin
)

// relX and relY place a fraction on the plot.
func relX(f float64) string { return f1(relMargin + f*relPlot) }
func relY(f float64) string { return f1(relMargin + (1-f)*relPlot) }

// statText formats a cell for the page.
func statText(ctx context.Context, c StatCell) string {
	l := LocaleFrom(ctx)
	switch c.Kind {
	case CellCount:
		return l.Number(c.N)
	case CellMoney:
		return l.Money(c.N)
	case CellPercent:
		return l.Percent(c.F)
	case CellRatio:
		return l.printer.Sprint(number.Decimal(c.F, number.MinFractionDigits(2), number.MaxFractionDigits(2)))
	case CellDays:
		return l.printer.Sprint(number.Decimal(c.F, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	case CellHours:
		return l.printer.Sprint(number.Decimal(float64(c.N)/3600, number.MinFractionDigits(1), number.MaxFractionDigits(1)))
	case CellScore:
		return l.printer.Sprint(number.Decimal(c.F, number.MinFractionDigits(4), number.MaxFractionDigits(4)))
	case CellNone:
		return "–"
	}
	return c.Text
}

// percentLabel is a fraction as a whole percentage for the chart's axes.
func percentLabel(f float64) string { return strconv.Itoa(int(f*100+0.5)) + " %" }
