package pipeline

import "time"

// Derived is what a project's facts are made of that does not depend on the
// moment, with the instants at which those that do depend on it change.
// The application stores it with every project, computed by Derive in the
// transaction of each change, so that pages can filter, sort and count in
// SQL by comparing the instants with the request's moment: a deferred
// project counts as active from BackAt on, and an active project is late
// from LateFrom on. The facts at any moment follow from it (At); a property
// test pins At to Evaluate.
//
// Instants are compared at the database's precision: a moment given to At
// (or to SQL) is whole microseconds, as stored times are.
type Derived struct {
	State State // the stored state (not the effective one)

	Pending int64     // pending milestone ID; 0 when none
	Last    int64     // last completed milestone ID; 0 when none
	LastAt  time.Time // when Last was completed; zero when none

	// Due is the first instant of the pending milestone's due day for the
	// project as active; for a deferred project, once it is back. Zero: no
	// due date (no deadline, or an archived or sold project).
	Due time.Time
	// DeferredDue is a deferred project's due date while it is not back
	// yet (its anchor not moved to the defer-until instant); zero for
	// other projects.
	DeferredDue time.Time
	// MilestoneLateFrom is the first instant the pending milestone is late
	// (the start of the day after its due day); LateFrom the first instant
	// the project is late for any reason (its milestone, an open subtask or
	// scheduled event). Zero: never. Both count only while the project is
	// active.
	MilestoneLateFrom, LateFrom time.Time
	// ItemLateFrom is the first instant an open subtask or scheduled event
	// is late; ItemDue that most overdue item's due instant (the first
	// instant of a subtask's due day, an event's start) and ItemKind its
	// kind. Zero (and 0): no dated open item. Like LateFrom, it counts only
	// while the project is active.
	ItemLateFrom, ItemDue time.Time
	ItemKind              ItemKind
	// BackAt is when a deferred project counts as active again (the start
	// of its defer-until day); zero for other projects and for a deferred
	// one without a date (deferred for good).
	BackAt time.Time

	Value       int64 // a negative value counted as zero
	Probability Prob  // stage probability in the stored state
	Weighted    int64 // WeightedValue(Value, Probability)

	// StageDay is the local calendar date (as midnight UTC of that date)
	// on which the project entered its current stage: the day of LastAt,
	// or of its creation when nothing was completed after it. Its days in
	// stage at any moment are DaysSinceDay(StageDay).
	StageDay time.Time
	// CycleSeconds is a sold project's sales cycle: the seconds from its
	// creation to its sale (SoldAt, see the package doc), never negative;
	// 0 for other projects. The mean cycle in days is CycleDays.
	CycleSeconds int64
	// SoldAt is a sold project's sale instant as the package doc defines
	// it (whole seconds, UTC); zero for other projects. It is what every
	// report counts a sale by, so the stored sale time is this one.
	SoldAt time.Time
}

// Derive computes p's derived facts. It uses the engine's milestones, zone
// and probabilities, not its moment.
func (e *Engine) Derive(p *Project) Derived {
	var f Facts
	latest := e.completed(p, &f)
	d := Derived{State: p.State, Pending: e.MilestoneID(f.Pending), Last: e.MilestoneID(f.LastDone), Value: money(p.Value)}
	if d.State == StateUnknown {
		d.State = StateActive
	}
	if at, ok := f.CompletedAt(f.LastDone); ok {
		d.LastAt = at
	}
	d.StageDay = e.stageDay(p.CreatedAt, d.LastAt)
	if d.State == StateSold {
		d.SoldAt = e.soldAt(p, &f, latest)
		d.CycleSeconds = cycleSeconds(p.CreatedAt, d.SoldAt)
	}
	if d.State == StateDeferred {
		d.BackAt = p.DeferUntil
	}
	if isOpen(d.State) {
		if f.Pending >= 0 && e.milestones[f.Pending].DeadlineDays > 0 {
			day := e.pendingDueDay(p, &f, true)
			d.Due = e.zone.dayStart(day)
			d.MilestoneLateFrom = e.zone.dayStart(day + 1)
			if d.State == StateDeferred {
				d.DeferredDue = e.zone.dayStart(e.pendingDueDay(p, &f, false))
			}
		}
		d.LateFrom = d.MilestoneLateFrom
		for i := range p.Items {
			it := &p.Items[i]
			lf := e.itemLateFrom(it)
			if d.LateFrom.IsZero() || lf.Before(d.LateFrom) {
				d.LateFrom = lf
			}
			if d.ItemLateFrom.IsZero() || lf.Before(d.ItemLateFrom) {
				d.ItemLateFrom, d.ItemKind = lf, it.Kind
				d.ItemDue = it.Due
				if it.AllDay {
					d.ItemDue = e.zone.dayStart(dateDay(it.Due))
				}
			}
		}
	}
	d.Probability = e.probability(p, d.State, &f)
	d.Weighted = WeightedValue(d.Value, d.Probability)
	return d
}

// DerivedWeighted is the weighted value Derive gives a project from what
// its derived data already holds: its stored state, value, probability
// override (when hasOverride) and last completed milestone (Derived.Last,
// 0 for none). A change of the stage probabilities alone changes nothing
// else Derive computes, so this is all such a change needs recomputed.
func (e *Engine) DerivedWeighted(st State, value int64, hasOverride bool, override int, last int64) int64 {
	if st == StateUnknown {
		st = StateActive
	}
	return WeightedValue(money(value), probabilityIn(st, hasOverride, override, e.StageProbability(last)))
}

// itemLateFrom is the first instant an open item is late: the start of the
// local day after its due date, or the microsecond after its due instant.
func (e *Engine) itemLateFrom(it *DueItem) time.Time {
	if it.AllDay {
		return e.zone.dayStart(dateDay(it.Due) + 1)
	}
	return it.Due.Add(time.Microsecond)
}

// Moment is what a project's derived facts say at one moment.
type Moment struct {
	State         State     // effective state
	Due           time.Time // the due date shown; zero when none
	Late          bool
	LateMilestone bool
	// LateItem: an open subtask or event is late; ItemKind and ItemDue are
	// the most overdue one's (days late: CalendarDays(ItemDue, now, loc)).
	LateItem bool
	ItemKind ItemKind
	ItemDue  time.Time
}

// At returns the effective state, the due date and the late flags at now
// (whole microseconds): the same as Evaluate at now.
func (d *Derived) At(now time.Time) Moment {
	m := Moment{State: d.State}
	if d.State == StateDeferred && !d.BackAt.IsZero() && !now.Before(d.BackAt) {
		m.State = StateActive
	}
	switch {
	case m.State == StateActive:
		m.Due = d.Due
		m.Late = !d.LateFrom.IsZero() && !now.Before(d.LateFrom)
		m.LateMilestone = !d.MilestoneLateFrom.IsZero() && !now.Before(d.MilestoneLateFrom)
		if !d.ItemLateFrom.IsZero() && !now.Before(d.ItemLateFrom) {
			m.LateItem, m.ItemKind, m.ItemDue = true, d.ItemKind, d.ItemDue
		}
	case m.State == StateDeferred:
		m.Due = d.DeferredDue
	}
	return m
}

// DaysSince is the number of local calendar days from t's day to the
// engine's today: the age of a project created at t, or the days in stage
// of one that entered its stage at t.
func (e *Engine) DaysSince(t time.Time) int {
	return int(e.nowDay - e.zone.dayOf(t))
}

// stageDay is the local date (midnight UTC) of the later of a project's
// creation and its last completion (zero: none).
func (e *Engine) stageDay(created, lastAt time.Time) time.Time {
	since := created
	if lastAt.After(since) {
		since = lastAt
	}
	y, m, d := dayFromCivil(e.zone.dayOf(since))
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the engine's local calendar date, as midnight UTC of that date
// (the form a SQL date is read and written in).
func (e *Engine) Today() time.Time {
	y, m, d := dayFromCivil(e.nowDay)
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysSinceDay is DaysSince for a calendar date (as its own location reads
// it, e.g. a stored StageDay): the days from that date to the engine's
// today. DaysSinceDay(Derived.StageDay) is a project's days in stage; a
// sum of them over n projects is n × Today − Σ StageDay, which is how a
// summary adds them up from stored dates.
func (e *Engine) DaysSinceDay(day time.Time) int {
	return int(e.nowDay - dateDay(day))
}

// cycleSeconds is the sales cycle of a project created at created and sold
// at soldAt: whole seconds, never negative.
func cycleSeconds(created, soldAt time.Time) int64 {
	return max(soldAt.Unix()-created.Unix(), 0)
}

// CycleDays is a mean sales cycle in days from the mean of projects'
// CycleSeconds (as Metrics.AvgCycleDays is computed from its sum).
func CycleDays(meanSeconds float64) float64 { return meanSeconds / 86400 }

// CalendarDays is DaysSince without an engine: the local calendar days in
// loc from from's day to to's day.
func CalendarDays(from, to time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	return int(localDay(to, loc) - localDay(from, loc))
}
