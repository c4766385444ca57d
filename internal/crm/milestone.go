package crm

import (
	"slices"
	"time"
)

// MilestoneDef is one of a tenant's milestone definitions (PRODUCT.md).
type MilestoneDef struct {
	ID       MilestoneID
	Name     string
	Position int
	Criteria string // shown when completing it
	// DeadlineDays: days allowed to complete it after the previous milestone
	// (or the creation, with DeadlineFromCreated); 0 = no deadline.
	DeadlineDays        int
	DeadlineFromCreated bool
	Probability         int
	EventTitle          string // scheduled event created on completion ("" = none)
	EventDays           int    // the event starts this many days after the completion
	Qualifying          bool
	Won                 bool
	Active              bool
}

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
