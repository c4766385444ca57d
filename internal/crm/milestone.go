package crm

import (
	"slices"
	"time"
)

// MilestoneDef is one of a tenant's milestone definitions (PRODUCT.md): its
// place in the process, whether it is in use, what the admin set on it, and
// what the tenant's closed projects said about it when its probabilities
// were last learned. It is the one type every layer uses for a definition.
type MilestoneDef struct {
	ID       MilestoneID
	Position int
	Active   bool
	MilestoneSpec
	// LearnedReached is how many closed projects had reached it (completed
	// it or a later milestone) when the tenant's probabilities were last
	// learned, LearnedSold how many of those were sold (see
	// pipeline.Learner); both 0 when nothing was learned.
	LearnedReached, LearnedSold int
}

// FromCreated reports whether the deadline counts from the project's
// creation rather than the previous milestone's completion.
func (d MilestoneDef) FromCreated() bool { return d.DeadlineFrom == DeadlineFromCreated }

// Deadline is the number of days allowed to complete it; 0 means none.
func (d MilestoneDef) Deadline() int {
	if !d.HasDeadline {
		return 0
	}
	return d.DeadlineDays
}

// MilestoneSpec is what an admin sets on a milestone definition. Zero
// DeadlineDays / EventDays with HasDeadline false / EventTitle "" mean "none".
type MilestoneSpec struct {
	Name         string
	Criteria     string // shown when completing it
	HasDeadline  bool
	DeadlineDays int    // days allowed after the previous milestone (or the creation)
	DeadlineFrom string // DeadlineFromPrevious or DeadlineFromCreated
	Probability  int    // configured chance, 0–100 %, that a project that completed it is sold
	EventTitle   string // scheduled event created on completion ("" = none)
	EventDays    int    // the event starts this many days after the completion
	Qualifying   bool
	Won          bool
}

// MilestoneUse is how much a definition is used: projects that completed it
// (it can then never be deleted) and open projects pending on it now.
type MilestoneUse struct {
	Completions int // counted to UseCountCap+1: more means "more than UseCountCap"
	Pending     int // exact
}

// UseCountCap is how far the administration pages count what uses a
// milestone or a list value (completions, projects): a count of
// UseCountCap+1 reads "more than UseCountCap". Whether a thing is used is
// what decides there, and counting a million rows on every view would make
// the pages grow with the tenant.
const UseCountCap = 1000

// Completion is one completed milestone of a project.
type Completion struct {
	MilestoneID MilestoneID
	At          time.Time // when it really happened, as stated by the user
	By          UserID
	ByName      string
	Note        string
}

// Process returns the active definitions in process order (position, then ID).
func Process(defs []MilestoneDef) []MilestoneDef {
	out := make([]MilestoneDef, 0, len(defs))
	for _, d := range defs {
		if d.Active {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b MilestoneDef) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		return int(a.ID - b.ID)
	})
	return out
}

// FindDef returns the definition with id among defs.
func FindDef(defs []MilestoneDef, id MilestoneID) (MilestoneDef, bool) {
	for _, d := range defs {
		if d.ID == id {
			return d, true
		}
	}
	return MilestoneDef{}, false
}
