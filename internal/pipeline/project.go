package pipeline

import "time"

// EffectiveState is the state a project counts as at now: a deferred project
// whose DeferUntil has come counts as active; the zero State counts as active.
func EffectiveState(p *Project, now time.Time) State {
	switch p.State {
	case StateUnknown:
		return StateActive
	case StateDeferred:
		if !p.DeferUntil.IsZero() && !now.Before(p.DeferUntil) {
			return StateActive
		}
	}
	return p.State
}

// Facts is everything the engine derives from one project at the engine's
// now. Evaluate fills it; accumulators read it.
type Facts struct {
	State State // effective state (see EffectiveState)
	Value int64 // the project's value, a negative one counted as zero

	Done     uint32               // bit i set: active milestone i is completed
	DoneAt   [MaxMilestones]int64 // Unix seconds of each completion in Done
	Skipped  uint32               // bit i set: active milestone i is skipped (and not completed)
	LastDone int                  // last completed milestone in process order, -1 if none
	Pending  int                  // first active milestone neither completed nor skipped, -1 if none

	// HasDue tells whether the pending milestone has a deadline; PendingDue
	// is then the first instant of its due day in the tenant's time zone.
	HasDue     bool
	PendingDue time.Time

	Qualified   bool      // completed the first qualifying milestone or a later one
	QualifiedAt time.Time // earliest such completion
	SoldAt      time.Time // when sold (see the package doc); zero if not sold

	Late          bool // pending milestone late or an open subtask/event past due
	LateMilestone bool // the pending milestone itself is late
	LateItems     int  // open subtasks and events past due
	DaysLate      int  // the largest days late among the late things, 0 if none
	Stagnant      bool

	Probability Prob  // stage probability (see the package doc)
	Weighted    int64 // WeightedValue(Value, Probability)
}

// Evaluate computes the facts of p into f. It does not allocate.
func (e *Engine) Evaluate(p *Project, f *Facts) {
	f.State = EffectiveState(p, e.now)
	f.Value = money(p.Value)
	f.HasDue, f.PendingDue = false, time.Time{}
	f.Qualified, f.QualifiedAt, f.SoldAt = false, time.Time{}, time.Time{}
	f.Late, f.LateMilestone, f.LateItems, f.DaysLate, f.Stagnant = false, false, 0, 0, false

	latest := e.completed(p, f)

	if q := e.qualIndex; q >= 0 && f.LastDone >= q {
		f.Qualified = true
		first, seen := int64(0), false
		for k := q; k <= f.LastDone; k++ {
			if f.Done&(1<<k) != 0 && (!seen || f.DoneAt[k] < first) {
				first, seen = f.DoneAt[k], true
			}
		}
		f.QualifiedAt = time.Unix(first, 0).UTC()
	}
	if p.State == StateSold {
		f.SoldAt = e.soldAt(p, f, latest)
	}

	if isOpen(p.State) && f.Pending >= 0 && e.milestones[f.Pending].DeadlineDays > 0 {
		day := e.pendingDueDay(p, f, f.State == StateActive)
		f.HasDue = true
		f.PendingDue = e.zone.dayStart(day)
		if f.State == StateActive && e.nowDay > day {
			f.Late, f.LateMilestone = true, true
			f.DaysLate = int(e.nowDay - day)
		}
	}
	if f.State == StateActive {
		for i := range p.Items {
			if d, late := e.itemLate(&p.Items[i]); late {
				f.Late = true
				f.LateItems++
				if d > f.DaysLate {
					f.DaysLate = d
				}
			}
		}
		if e.stagnant > 0 {
			last := p.CreatedAt
			if p.LastActivityAt.After(last) {
				last = p.LastActivityAt
			}
			f.Stagnant = e.nowDay-e.zone.dayOf(last) >= int64(e.stagnant)
		}
	}
	f.Probability = e.probability(p, f.State, f)
	f.Weighted = WeightedValue(f.Value, f.Probability)
}

// soldAt is when a sold project was sold (see the package doc) from its
// completion facts and the Unix time of its latest completion.
func (e *Engine) soldAt(p *Project, f *Facts, latest int64) time.Time {
	switch {
	case e.wonIndex >= 0 && f.Done&(1<<e.wonIndex) != 0:
		return time.Unix(f.DoneAt[e.wonIndex], 0).UTC()
	case f.Done != 0:
		return time.Unix(latest, 0).UTC()
	}
	return p.CreatedAt
}

// completed fills the completion facts of f (Done, DoneAt, LastDone,
// Pending) from p's completions of active milestones, and returns the Unix
// time of the latest of them (for SoldAt).
func (e *Engine) completed(p *Project, f *Facts) (latest int64) {
	f.Done = 0
	f.LastDone, f.Pending = -1, -1
	for i := range p.Completions {
		c := &p.Completions[i]
		k := e.index(c.MilestoneID)
		if k < 0 {
			continue // inactive or unknown milestone
		}
		at := c.At.Unix()
		if at > latest || f.Done == 0 {
			latest = at
		}
		bit := uint32(1) << k
		if f.Done&bit == 0 || at < f.DoneAt[k] {
			f.DoneAt[k] = at // a duplicate keeps the earliest time
		}
		f.Done |= bit
		if k > f.LastDone {
			f.LastDone = k
		}
	}
	f.Skipped = 0
	for _, id := range p.Skipped {
		if k := e.index(id); k >= 0 {
			f.Skipped |= 1 << k
		}
	}
	f.Skipped &^= f.Done
	for i := range e.milestones {
		if (f.Done|f.Skipped)&(1<<i) == 0 {
			f.Pending = i
			break
		}
	}
	return latest
}

// previousDone is the completed milestone right before milestone i, passing
// over skipped ones; -1 when the one before (after any skipped) is not
// completed, or there is none. For the pending milestone it is the one its
// deadline counts from.
func previousDone(f *Facts, i int) int {
	for j := i - 1; j >= 0; j-- {
		if f.Done&(1<<j) != 0 {
			return j
		}
		if f.Skipped&(1<<j) == 0 {
			return -1
		}
	}
	return -1
}

// probability is the stage probability of p counted in state st: sold
// 100 %, archived 0 %, otherwise the override or the stage probability of
// the last completed milestone.
func (e *Engine) probability(p *Project, st State, f *Facts) Prob {
	var stage Prob
	if f.LastDone >= 0 {
		stage = e.stageProb[f.LastDone]
	}
	return probabilityIn(st, p.HasOverride, p.ProbabilityOverride, stage)
}

// probabilityIn is the one rule of a project's probability: sold 100 %,
// archived 0 %, otherwise its override when it has one, else stage (the
// probability of its last completed milestone).
func probabilityIn(st State, hasOverride bool, override int, stage Prob) Prob {
	switch {
	case st == StateSold:
		return ProbOne
	case st == StateArchived:
		return 0
	case hasOverride:
		return PercentProb(override)
	}
	return stage
}

// isOpen reports whether a stored state is in the pipeline (active or
// deferred): only open projects have a due date.
func isOpen(s State) bool { return s == StateActive || s == StateDeferred || s == StateUnknown }

// Facts is Evaluate returning a value, for one-off use.
func (e *Engine) Facts(p *Project) Facts {
	var f Facts
	e.Evaluate(p, &f)
	return f
}

// pendingDueDay is the civil day the pending milestone is due: the local day
// of its anchor plus its deadline days. The anchor is the project's creation
// or the previous milestone's completion, moved forward to when the project
// resumed from deferred if that is later; for a deferred project that is
// back (back), to its defer-until instant if that is later still.
func (e *Engine) pendingDueDay(p *Project, f *Facts, back bool) int64 {
	m := &e.milestones[f.Pending]
	anchor := p.CreatedAt
	if m.DeadlineFrom == FromPrevious {
		if j := previousDone(f, f.Pending); j >= 0 {
			anchor = time.Unix(f.DoneAt[j], 0)
		}
	}
	resumed := p.ResumedAt
	if p.State == StateDeferred && back && p.DeferUntil.After(resumed) {
		resumed = p.DeferUntil
	}
	if resumed.After(anchor) {
		anchor = resumed
	}
	return e.zone.dayOf(anchor) + int64(m.DeadlineDays)
}

// itemLate says whether an open item is past due and by how many local days.
// A due date (AllDay) is late from the start of the next local day; a due
// instant is late once passed.
func (e *Engine) itemLate(it *DueItem) (days int, late bool) {
	if it.AllDay {
		day := dateDay(it.Due)
		if e.nowDay > day {
			return int(e.nowDay - day), true
		}
		return 0, false
	}
	if e.now.After(it.Due) {
		return int(e.nowDay - e.zone.dayOf(it.Due)), true
	}
	return 0, false
}

// LateKind says what a LateItem is.
type LateKind uint8

// Kinds of late things.
const (
	LateMilestoneDue LateKind = iota + 1
	LateSubtask
	LateEvent
)

// LateItem is one late milestone, subtask or event of a project.
type LateItem struct {
	Kind      LateKind
	ID        int64 // milestone, subtask or event ID
	ProjectID int64
	Due       time.Time // due instant, or the first instant of the due day
	DaysLate  int
}

// LateItems appends every late thing of p to dst, the pending milestone
// first, then items in the order given. Only effectively active projects
// have late things.
func (e *Engine) LateItems(p *Project, dst []LateItem) []LateItem {
	var f Facts
	e.Evaluate(p, &f)
	if f.State != StateActive {
		return dst
	}
	if f.LateMilestone {
		day := e.pendingDueDay(p, &f, true)
		dst = append(dst, LateItem{
			Kind: LateMilestoneDue, ID: e.milestones[f.Pending].ID, ProjectID: p.ID,
			Due: f.PendingDue, DaysLate: int(e.nowDay - day),
		})
	}
	for i := range p.Items {
		it := &p.Items[i]
		if d, late := e.itemLate(it); late {
			k := LateSubtask
			if it.Kind == Event {
				k = LateEvent
			}
			due := it.Due
			if it.AllDay {
				due = e.zone.dayStart(dateDay(it.Due))
			}
			dst = append(dst, LateItem{Kind: k, ID: it.ID, ProjectID: p.ID, Due: due, DaysLate: d})
		}
	}
	return dst
}

// CompletedAt returns when active milestone i (in process order) was
// completed, and whether it was.
func (f *Facts) CompletedAt(i int) (time.Time, bool) {
	if i < 0 || i >= MaxMilestones || f.Done&(1<<i) == 0 {
		return time.Time{}, false
	}
	return time.Unix(f.DoneAt[i], 0).UTC(), true
}

// MilestoneID returns the ID of active milestone i (in process order), or 0
// when i is out of range (for example a Pending or LastDone of -1).
func (e *Engine) MilestoneID(i int) int64 {
	if i < 0 || i >= len(e.ids) {
		return 0
	}
	return e.ids[i]
}
