package pipeline

import "math"

// MetricsOptions configure Metrics.
type MetricsOptions struct {
	// Period selects the closed deals (sold or archived in it) and the lead
	// cohort (created in it); zero: all time. Open deals are those open now.
	Period Period
	Group  KeyFunc // nil: one group
}

// MetricsRow is the sales metrics of one group (or the total). The count and
// sum fields add up across groups; the others are derived from them.
type MetricsRow struct {
	Key Key

	Sold          int   // sold in the period
	SoldValue     int64 // cents
	CycleSeconds  int64 // Σ created → sold of the projects sold in the period
	LostQualified int   // archived in the period after qualification
	Created       int   // leads created in the period
	Qualified     int   // of those, qualified by now
	Touched       int   // of those, touched by a person
	Open          int   // effectively active now
	OpenValue     int64

	// WinRate = Sold ÷ (Sold + LostQualified); 0 when both are 0.
	WinRate float64
	// AvgDeal = SoldValue ÷ Sold, rounded to the cent; 0 when nothing sold.
	AvgDeal int64
	// AvgCycleDays = CycleSeconds ÷ Sold ÷ 86400; 0 when nothing sold.
	AvgCycleDays float64
	// LeadToQualified = Qualified ÷ Created; 0 when nothing was created.
	LeadToQualified float64
	// Response is creation → first human touch over the touched leads.
	Response Distribution
	// Velocity = Open × WinRate × AvgDeal ÷ AvgCycleDays, in cents per day,
	// rounded; 0 when AvgCycleDays is 0.
	Velocity int64
}

// DealsNeeded is how many more qualified deals must be worked to expect to
// close quota cents at this row's win rate and average deal:
// ⌈quota ÷ (WinRate × AvgDeal)⌉. ok is false when that is undefined (no
// win rate or no average deal yet); a quota of zero or less needs 0 deals.
func (r MetricsRow) DealsNeeded(quota int64) (deals int64, ok bool) {
	return DealsNeeded(quota, r.WinRate, r.AvgDeal)
}

// DealsNeeded is ⌈quota ÷ (winRate × avgDeal)⌉; see MetricsRow.DealsNeeded.
func DealsNeeded(quota int64, winRate float64, avgDeal int64) (int64, bool) {
	if quota <= 0 {
		return 0, true
	}
	per := winRate * float64(avgDeal)
	if !(per > 0) || math.IsInf(per, 0) {
		return 0, false
	}
	n := math.Ceil(float64(quota)/per - 1e-9)
	if !(n < 1e15) {
		return 0, false
	}
	return int64(n), true
}

// MetricsReport is the metrics per group, in ascending key order, and in total.
type MetricsReport struct {
	Groups []MetricsRow
	Total  MetricsRow
}

type metricsState struct {
	sold, lostQ, created, qualified, open int
	soldValue, cycle, openValue           int64
	response                              samples
}

// Metrics accumulates win rate, deal size, cycle, response time and velocity.
// Memory: 4 bytes per touched lead of the period (exact median response).
type Metrics struct {
	e      *Engine
	period unixPeriod
	group  KeyFunc
	g      groups[metricsState]
}

// NewMetrics returns an empty Metrics.
func NewMetrics(e *Engine, o MetricsOptions) *Metrics {
	return &Metrics{e: e, period: toUnixPeriod(o.Period), group: o.Group,
		g: newGroups(func() *metricsState { return new(metricsState) })}
}

// Add feeds one project.
func (m *Metrics) Add(p *Project, f *Facts) {
	created := p.CreatedAt.Unix()
	inCohort := m.period.contains(created)
	sold := f.State == StateSold && m.period.contains(f.SoldAt.Unix())
	lost := f.State == StateArchived && f.Qualified && m.period.contains(p.ArchivedAt.Unix()) // no date: all time only
	open := f.State == StateActive
	if !inCohort && !sold && !lost && !open {
		return
	}
	s := m.g.get(groupKey(m.group, p, f))
	if inCohort {
		s.created++
		if f.Qualified {
			s.qualified++
		}
		if !p.FirstTouchAt.IsZero() {
			s.response.add(clampSeconds(p.FirstTouchAt.Unix() - created))
		}
	}
	if sold {
		s.sold++
		s.soldValue += f.Value
		s.cycle += cycleSeconds(p.CreatedAt, f.SoldAt)
	}
	if lost {
		s.lostQ++
	}
	if open {
		s.open++
		s.openValue += f.Value
	}
}

// Result returns the metrics. The count and sum fields of the total row are
// the sums of the group rows; its response distribution is exact over all.
func (m *Metrics) Result() MetricsReport {
	var r MetricsReport
	var t metricsState
	var parts []*samples
	for _, k := range m.g.keys() {
		s := m.g.m[k]
		r.Groups = append(r.Groups, s.row(k, []*samples{&s.response}))
		t.sold += s.sold
		t.lostQ += s.lostQ
		t.created += s.created
		t.qualified += s.qualified
		t.open += s.open
		t.soldValue += s.soldValue
		t.cycle += s.cycle
		t.openValue += s.openValue
		parts = append(parts, &s.response)
	}
	r.Total = t.row(NoGroup, parts)
	return r
}

func (s *metricsState) row(k Key, response []*samples) MetricsRow {
	r := MetricsRow{
		Key: k, Sold: s.sold, SoldValue: s.soldValue, CycleSeconds: s.cycle,
		LostQualified: s.lostQ, Created: s.created, Qualified: s.qualified,
		Open: s.open, OpenValue: s.openValue,
		WinRate:         ratio01(float64(s.sold), float64(s.sold+s.lostQ)),
		AvgDeal:         roundDiv(s.soldValue, int64(s.sold)),
		AvgCycleDays:    ratio(float64(s.cycle), float64(s.sold)*86400),
		LeadToQualified: ratio01(float64(s.qualified), float64(s.created)),
		Response:        distribution(response),
	}
	r.Touched = r.Response.Count
	if r.AvgCycleDays > 0 {
		v := float64(r.Open) * r.WinRate * float64(r.AvgDeal) / r.AvgCycleDays
		if v < 9e18 {
			r.Velocity = int64(math.Round(v))
		}
	}
	return r
}
