package pipeline

import "time"

// The report builder reads what Derive stored with each project and shows
// it at the request's moment; the figures it computes from a stored row are
// defined here, beside the ones they restate.

// StoredProbability is the stage probability (see the package doc) of a
// project from what is stored with it: its effective state st, its
// probability override (when hasOverride) and its last completed
// milestone.
func (e *Engine) StoredProbability(st State, hasOverride bool, override int, last int64) Prob {
	return probabilityIn(st, hasOverride, override, e.StageProbability(last))
}

// DaysLateAt is a project's days late at now from its moment m: the days
// late of its most overdue late thing (its pending milestone, due on
// m.Due's day, or its most overdue open item), 0 when it is not late.
func DaysLateAt(m Moment, now time.Time, loc *time.Location) int {
	days := 0
	if m.LateMilestone {
		days = max(days, CalendarDays(m.Due, now, loc))
	}
	if m.LateItem {
		days = max(days, CalendarDays(m.ItemDue, now, loc))
	}
	return days
}
