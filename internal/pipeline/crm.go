package pipeline

import (
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// The engine's compact forms are built from crm's types here, in one place.

// DefsOf returns the engine's view of the tenant's milestone definitions.
func DefsOf(defs []crm.MilestoneDef) []MilestoneDef {
	out := make([]MilestoneDef, len(defs))
	for i, d := range defs {
		out[i] = MilestoneDef{ID: int64(d.ID), Position: d.Position, DeadlineDays: d.Deadline(), Probability: d.Probability,
			Qualifying: d.Qualifying, Won: d.Won, Active: d.Active}
		if d.FromCreated() {
			out[i].DeadlineFrom = FromCreation
		}
	}
	return out
}

// StateOf is the engine's state of a crm state.
func StateOf(s crm.State) State {
	switch s {
	case crm.StateDeferred:
		return StateDeferred
	case crm.StateArchived:
		return StateArchived
	case crm.StateSold:
		return StateSold
	}
	return StateActive
}

// TenantEngine is the engine of a tenant at now: its milestones, time zone,
// stagnant days and, when it uses them, the probabilities learned from its
// closed projects (the counts stored with each definition; see Learner).
func TenantEngine(t crm.Tenant, loc *time.Location, defs []crm.MilestoneDef, now time.Time) (*Engine, error) {
	s := Settings{Location: loc, Now: now, StagnantDays: t.StagnantDays}
	if t.LearnedProbabilities {
		s.UseLearned, s.Learned = true, make(map[int64]Prob, len(defs))
		for _, d := range defs {
			s.Learned[int64(d.ID)] = LearnedProbability(d.LearnedSold, d.LearnedReached, PercentProb(d.Probability), DefaultPriorStrength)
		}
	}
	return NewEngine(DefsOf(defs), s)
}

// ProjectOf fills dst with the engine's view of p: its open subtasks (by
// due date) and events (by start) as due items, its defer-until date as the
// first instant of that day in loc. dst's slices are reused.
func ProjectOf(dst *Project, p *crm.Project, loc *time.Location) {
	comps, items, skipped := dst.Completions[:0], dst.Items[:0], dst.Skipped[:0]
	*dst = Project{ID: int64(p.ID), OwnerID: int64(p.OwnerID), SourceID: p.SourceID, State: StateOf(p.State),
		Value: p.Value, CreatedAt: p.CreatedAt, ArchiveReasonID: p.ArchiveReasonID, ArchivedAt: p.ArchivedAt,
		ResumedAt: p.ResumedAt, Forecast: categoryOf(p.Forecast), HasOverride: p.HasProbability,
		ProbabilityOverride: p.Probability, LastActivityAt: p.LastActivityAt, FirstTouchAt: p.FirstTouchAt}
	if !p.DeferUntil.IsZero() {
		dst.DeferUntil = p.DeferUntil.Start(loc)
	}
	if !p.ExpectedClose.IsZero() {
		dst.ExpectedClose = p.ExpectedClose.Time()
	}
	for _, c := range p.Completions {
		comps = append(comps, Completion{MilestoneID: int64(c.MilestoneID), At: c.At})
	}
	for _, id := range p.Skipped {
		skipped = append(skipped, int64(id))
	}
	for _, s := range p.Subtasks {
		if !s.Done && !s.Due.IsZero() {
			items = append(items, DueItem{ID: s.ID, Kind: Subtask, Due: s.Due.Time(), AllDay: true})
		}
	}
	for _, e := range p.Events {
		if !e.Done {
			items = append(items, DueItem{ID: e.ID, Kind: Event, Due: e.StartsAt})
		}
	}
	dst.Completions, dst.Items, dst.Skipped = comps, items, skipped
}

// categoryOf is the engine's forecast category of a crm one; an omitted
// deal counts as none.
func categoryOf(c crm.ForecastCategory) ForecastCategory {
	switch c {
	case crm.ForecastPipeline:
		return CategoryPipeline
	case crm.ForecastBestCase:
		return CategoryBestCase
	case crm.ForecastCommit:
		return CategoryCommit
	case crm.ForecastClosedWon:
		return CategoryClosedWon
	}
	return CategoryNone
}
