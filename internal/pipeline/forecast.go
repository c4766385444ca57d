package pipeline

import (
	"slices"
	"time"
)

// Quota is a revenue target in cents for one month and one group (the same
// group key the forecast is grouped by: an owner's quota when grouped by
// owner; the caller sums its members' quotas for a workgroup). When the
// forecast is not grouped, every quota of the month counts.
type Quota struct {
	Month Key // MonthKey(year, month)
	Group Key
	Cents int64
}

// ForecastOptions configure a Forecast.
type ForecastOptions struct {
	// Months keeps the months whose first day lies in it; zero: all months.
	// Open projects without an expected close date are always kept (month 0).
	Months Period
	Group  KeyFunc // nil: one group
	Quotas []Quota
}

// ForecastCell is the forecast of one month in one group.
type ForecastCell struct {
	Month Key // MonthKey; 0 for open projects without an expected close date
	Count int // open projects expected to close, plus projects sold, in the month
	// Weighted is Σ weighted value of the open projects plus the value of
	// the projects sold in the month.
	Weighted int64
	// Value sums per forecast category, in cents. Open projects count in
	// their category (none → pipeline; an open project marked closed won
	// counts as commit); sold projects count as closed won in the month
	// they were sold.
	Pipeline, BestCase, Commit, ClosedWon int64
	Quota                                 int64
}

// Attainment is ClosedWon ÷ Quota (may exceed 1); 0 when there is no quota.
func (c ForecastCell) Attainment() float64 { return ratio(float64(c.ClosedWon), float64(c.Quota)) }

// Gap is what is left of the quota after closed won, never below zero.
func (c ForecastCell) Gap() int64 { return max(c.Quota-c.ClosedWon, 0) }

// Open is the open pipeline of the cell: the value of its open projects,
// pipeline + best case + commit (closed won holds only projects sold).
func (c ForecastCell) Open() int64 { return c.Pipeline + c.BestCase + c.Commit }

// Coverage is Open ÷ Gap: how many times the open pipeline covers the
// quota still to sell; 0 when nothing is left to sell.
func (c ForecastCell) Coverage() float64 { return ratio(float64(c.Open()), float64(c.Gap())) }

func (c *ForecastCell) add(o *ForecastCell) {
	c.Count += o.Count
	c.Weighted += o.Weighted
	c.Pipeline += o.Pipeline
	c.BestCase += o.BestCase
	c.Commit += o.Commit
	c.ClosedWon += o.ClosedWon
	c.Quota += o.Quota
}

// ForecastRow is the forecast of one group (or the total) by month, in
// ascending month order, with the sum over its months.
type ForecastRow struct {
	Key    Key
	Months []ForecastCell
	Total  ForecastCell
}

// ForecastReport is the forecast per group, in ascending key order, and in total.
type ForecastReport struct {
	Groups []ForecastRow
	Total  ForecastRow
}

// Forecast accumulates the forecast by expected close month.
type Forecast struct {
	e *Engine
	o ForecastOptions
	// first and last month kept (inclusive), from Months.
	first, last Key
	g           groups[map[Key]*ForecastCell]
	quotas      bool // quotas applied
}

// NewForecast returns an empty Forecast.
func NewForecast(e *Engine, o ForecastOptions) *Forecast {
	fc := &Forecast{e: e, o: o, first: MonthKey(1, 1), last: MonthKey(9999, 12)}
	if !o.Months.From.IsZero() {
		// The first month whose first day is not before From.
		fc.first = e.zone.monthKey(o.Months.From)
		if monthStart(fc.first, e.loc).Before(o.Months.From) {
			fc.first = addMonths(fc.first, 1)
		}
	}
	if !o.Months.To.IsZero() {
		// The last month whose first day is before To.
		fc.last = e.zone.monthKey(o.Months.To)
		if !monthStart(fc.last, e.loc).Before(o.Months.To) {
			fc.last = addMonths(fc.last, -1)
		}
	}
	fc.g = newGroups(func() *map[Key]*ForecastCell {
		m := make(map[Key]*ForecastCell)
		return &m
	})
	return fc
}

func (fc *Forecast) keepMonth(m Key) bool {
	return m == 0 || m >= fc.first && m <= fc.last
}

// Add feeds one project: effectively active ones by expected close month,
// sold ones by the month they were sold. Deferred and archived projects are
// not in the forecast.
func (fc *Forecast) Add(p *Project, f *Facts) {
	var month Key
	switch f.State {
	case StateActive:
		if !p.ExpectedClose.IsZero() {
			y, m, _ := p.ExpectedClose.Date()
			month = MonthKey(y, m)
		}
	case StateSold:
		month = fc.e.zone.monthKey(f.SoldAt)
	default:
		return
	}
	if !fc.keepMonth(month) {
		return
	}
	cells := *fc.g.get(groupKey(fc.o.Group, p, f))
	c := cells[month]
	if c == nil {
		c = &ForecastCell{Month: month}
		cells[month] = c
	}
	c.Count++
	if f.State == StateSold {
		c.Weighted += f.Value
		c.ClosedWon += f.Value
		return
	}
	c.Weighted += f.Weighted
	switch p.Forecast {
	case CategoryBestCase:
		c.BestCase += f.Value
	case CategoryCommit, CategoryClosedWon:
		c.Commit += f.Value
	default:
		c.Pipeline += f.Value
	}
}

// Result returns the forecast with quotas applied. The total row is the sum
// of the group rows. Add must not be called after Result.
func (fc *Forecast) Result() ForecastReport {
	for _, q := range fc.o.Quotas {
		if fc.quotas {
			break
		}
		if q.Month == 0 || !fc.keepMonth(q.Month) {
			continue
		}
		g := q.Group
		if fc.o.Group == nil {
			g = NoGroup
		}
		cells := *fc.g.get(g)
		c := cells[q.Month]
		if c == nil {
			c = &ForecastCell{Month: q.Month}
			cells[q.Month] = c
		}
		c.Quota += q.Cents
	}
	fc.quotas = true
	var r ForecastReport
	total := map[Key]*ForecastCell{}
	for _, k := range fc.g.keys() {
		row := cellsRow(k, *fc.g.m[k])
		r.Groups = append(r.Groups, row)
		for _, c := range row.Months {
			t := total[c.Month]
			if t == nil {
				t = &ForecastCell{Month: c.Month}
				total[c.Month] = t
			}
			t.add(&c)
		}
	}
	r.Total = cellsRow(NoGroup, total)
	return r
}

func cellsRow(k Key, cells map[Key]*ForecastCell) ForecastRow {
	row := ForecastRow{Key: k}
	for _, c := range cells {
		row.Months = append(row.Months, *c)
		row.Total.add(c)
	}
	slices.SortFunc(row.Months, func(a, b ForecastCell) int { return int(a.Month - b.Month) })
	return row
}

// ParseMonth reads "2026-03" as MonthKey(2026, time.March).
func ParseMonth(s string) (Key, error) {
	p, err := ParsePeriod(s, time.UTC)
	if err != nil || len(s) != 7 || s[4] != '-' || s[5] == 'Q' || s[5] == 'q' {
		return 0, errParse("month", s)
	}
	y, m, _ := p.From.Date()
	return MonthKey(y, m), nil
}

func monthStart(k Key, loc *time.Location) time.Time {
	y, m := MonthOf(k)
	return DayStart(y, m, 1, loc)
}

func addMonths(k Key, n int) Key {
	y, m := MonthOf(k)
	t := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	return MonthKey(t.Year(), t.Month())
}
