package pipeline

import (
	"maps"
	"slices"
)

// FunnelOptions configure a Funnel.
type FunnelOptions struct {
	Period Period  // zero: all time
	Group  KeyFunc // nil: one group
}

// ReasonCount is how many projects were archived with one archive reason.
type ReasonCount struct {
	ReasonID int64
	Count    int
}

// FunnelRow is the funnel of one group (or the total).
//
// Cohort view — the projects created in the period, as they stand now:
// Created, Reached, Qualified, ArchivedUnqualified, ArchivedQualified,
// ArchivedByReason, Deferred, Open, Sold, Conversion.
//
// Activity view — what happened in the period, whenever the projects were
// created: Completed, LostAt, ArchivedInPeriod, SoldInPeriod,
// ActivityConversion.
type FunnelRow struct {
	Key Key

	Created             int
	Reached             []int // per active milestone: completed it or a later one
	Qualified           int
	ArchivedUnqualified int // archived without being qualified (unqualified leads)
	ArchivedQualified   int // archived after qualification (lost opportunities)
	ArchivedByReason    []ReasonCount
	Deferred            int
	Open                int // effectively active
	Sold                int
	// Untriaged are created leads neither qualified nor archived yet:
	// Qualified + ArchivedUnqualified + Untriaged = Created.
	Untriaged int
	// Conversion[i] = Reached[i+1] ÷ Reached[i]; 0 when Reached[i] is 0.
	Conversion []float64
	// LeadToQualified = Qualified ÷ Created; 0 when nothing was created.
	LeadToQualified float64

	Completed        []int // per active milestone: completions dated in the period
	LostAt           []int // per active milestone: archived in the period with it as the last completed milestone
	LostBeforeFirst  int   // archived in the period with no milestone completed
	ArchivedInPeriod int
	SoldInPeriod     int
	// ActivityConversion[i] = Completed[i+1] ÷ (Completed[i+1] + LostAt[i]):
	// of the projects that left stage i in the period, the share that moved on.
	ActivityConversion []float64
}

// FunnelReport is the funnel per group, in ascending key order, and in total.
type FunnelReport struct {
	Milestones []Milestone
	Groups     []FunnelRow
	Total      FunnelRow
}

type funnelState struct {
	created, qualified, archUnq, archQ, deferred, open, sold int
	reached, completed, lostAt                               []int
	lostBefore, archivedIn, soldIn                           int
	reasons                                                  map[int64]int
}

// Funnel accumulates the sales funnel.
type Funnel struct {
	e      *Engine
	period unixPeriod
	group  KeyFunc
	g      groups[funnelState]
}

// NewFunnel returns an empty Funnel.
func NewFunnel(e *Engine, o FunnelOptions) *Funnel {
	n := len(e.milestones)
	return &Funnel{e: e, period: toUnixPeriod(o.Period), group: o.Group,
		g: newGroups(func() *funnelState {
			return &funnelState{reached: make([]int, n), completed: make([]int, n), lostAt: make([]int, n)}
		})}
}

// FunnelCounts is what one project adds to the funnel of its group: every
// count of a FunnelRow it is one of. The list behind a number of the
// report is the projects whose counts include it.
type FunnelCounts struct {
	// Cohort view (created in the period), as the project stands now.
	Cohort                                  bool
	Qualified, ArchivedUnqualified          bool
	ArchivedQualified, Deferred, Open, Sold bool
	Untriaged                               bool
	ArchiveReasonID                         int64 // the reason it was archived with, when archived
	Reached                                 int   // it counts in Reached[i] for every i < Reached

	// Activity view (what happened in the period).
	Completed        uint32 // bit i: milestone i completed in the period
	ArchivedInPeriod bool
	LostAt           int // when archived in the period: its last completed milestone, -1 for none
	SoldInPeriod     bool
}

// Counts returns what p adds to the funnel, and false when it adds
// nothing (neither created in the period nor active in it).
func (fu *Funnel) Counts(p *Project, f *Facts) (FunnelCounts, bool) {
	var c FunnelCounts
	c.Cohort = fu.period.contains(p.CreatedAt.Unix())
	c.ArchivedInPeriod = f.State == StateArchived && fu.period.contains(p.ArchivedAt.Unix()) // no date: all time only
	c.SoldInPeriod = f.State == StateSold && fu.period.contains(f.SoldAt.Unix())
	for i := range fu.e.milestones {
		if f.Done&(1<<i) != 0 && fu.period.contains(f.DoneAt[i]) {
			c.Completed |= 1 << i
		}
	}
	if !c.Cohort && !c.ArchivedInPeriod && !c.SoldInPeriod && c.Completed == 0 {
		return c, false
	}
	if c.Cohort {
		c.Reached = f.LastDone + 1
		c.Qualified = f.Qualified
		switch f.State {
		case StateArchived:
			c.ArchivedQualified, c.ArchivedUnqualified = f.Qualified, !f.Qualified
			c.ArchiveReasonID = p.ArchiveReasonID
		case StateDeferred:
			c.Deferred = true
		case StateSold:
			c.Sold = true
		case StateActive:
			c.Open = true
		}
		c.Untriaged = !f.Qualified && f.State != StateArchived
	}
	c.LostAt = -1
	if c.ArchivedInPeriod {
		c.LostAt = f.LastDone
	}
	return c, true
}

// Add feeds one project.
func (fu *Funnel) Add(p *Project, f *Facts) {
	c, ok := fu.Counts(p, f)
	if !ok {
		return
	}
	s := fu.g.get(groupKey(fu.group, p, f))
	if c.Cohort {
		s.created++
		for i := 0; i < c.Reached; i++ {
			s.reached[i]++
		}
		if c.Qualified {
			s.qualified++
		}
		switch {
		case c.ArchivedQualified:
			s.archQ++
		case c.ArchivedUnqualified:
			s.archUnq++
		case c.Deferred:
			s.deferred++
		case c.Sold:
			s.sold++
		case c.Open:
			s.open++
		}
		if c.ArchivedQualified || c.ArchivedUnqualified {
			if s.reasons == nil {
				s.reasons = make(map[int64]int)
			}
			s.reasons[c.ArchiveReasonID]++
		}
	}
	for i := range fu.e.milestones {
		if c.Completed&(1<<i) != 0 {
			s.completed[i]++
		}
	}
	if c.ArchivedInPeriod {
		s.archivedIn++
		if c.LostAt >= 0 {
			s.lostAt[c.LostAt]++
		} else {
			s.lostBefore++
		}
	}
	if c.SoldInPeriod {
		s.soldIn++
	}
}

// Result returns the funnel. The total row is the sum of the group rows.
func (fu *Funnel) Result() FunnelReport {
	n := len(fu.e.milestones)
	r := FunnelReport{Milestones: fu.e.Milestones()}
	total := funnelState{reached: make([]int, n), completed: make([]int, n), lostAt: make([]int, n)}
	for _, k := range fu.g.keys() {
		s := fu.g.m[k]
		r.Groups = append(r.Groups, s.row(k))
		total.merge(s)
	}
	r.Total = total.row(NoGroup)
	return r
}

func (t *funnelState) merge(s *funnelState) {
	t.created += s.created
	t.qualified += s.qualified
	t.archUnq += s.archUnq
	t.archQ += s.archQ
	t.deferred += s.deferred
	t.open += s.open
	t.sold += s.sold
	t.lostBefore += s.lostBefore
	t.archivedIn += s.archivedIn
	t.soldIn += s.soldIn
	for i := range s.reached {
		t.reached[i] += s.reached[i]
		t.completed[i] += s.completed[i]
		t.lostAt[i] += s.lostAt[i]
	}
	for id, c := range s.reasons {
		if t.reasons == nil {
			t.reasons = make(map[int64]int)
		}
		t.reasons[id] += c
	}
}

func (s *funnelState) row(k Key) FunnelRow {
	n := len(s.reached)
	r := FunnelRow{
		Key: k, Created: s.created, Qualified: s.qualified,
		ArchivedUnqualified: s.archUnq, ArchivedQualified: s.archQ,
		Deferred: s.deferred, Open: s.open, Sold: s.sold,
		Untriaged:        s.created - s.qualified - s.archUnq,
		LeadToQualified:  ratio01(float64(s.qualified), float64(s.created)),
		Reached:          slices.Clone(s.reached),
		Completed:        slices.Clone(s.completed),
		LostAt:           slices.Clone(s.lostAt),
		LostBeforeFirst:  s.lostBefore,
		ArchivedInPeriod: s.archivedIn,
		SoldInPeriod:     s.soldIn,
	}
	for _, id := range slices.Sorted(maps.Keys(s.reasons)) {
		r.ArchivedByReason = append(r.ArchivedByReason, ReasonCount{ReasonID: id, Count: s.reasons[id]})
	}
	if n > 1 {
		r.Conversion = make([]float64, n-1)
		r.ActivityConversion = make([]float64, n-1)
		for i := 0; i < n-1; i++ {
			r.Conversion[i] = ratio01(float64(s.reached[i+1]), float64(s.reached[i]))
			r.ActivityConversion[i] = ratio01(float64(s.completed[i+1]), float64(s.completed[i+1]+s.lostAt[i]))
		}
	}
	return r
}
