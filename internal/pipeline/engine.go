package pipeline

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pipewell/pipewell/internal/crm"
)

// MaxMilestones is the most active milestones a tenant's process may have.
const MaxMilestones = crm.MaxActiveMilestones

// Settings are the tenant settings and the report's moment in time.
type Settings struct {
	// Location is the tenant's time zone; nil means UTC.
	Location *time.Location
	// Now is the moment the report is computed for.
	Now time.Time
	// StagnantDays is the tenant's "stagnant after N days without activity";
	// zero or less switches stagnation off.
	StagnantDays int
	// UseLearned says the tenant opted in to learned stage probabilities;
	// Learned holds them by milestone ID (see Learner). A milestone without a
	// learned probability falls back to its configured one.
	UseLearned bool
	Learned    map[int64]Prob
}

// Milestone is an active milestone definition as the engine uses it.
type Milestone struct {
	MilestoneDef
	Index int // position among the active milestones, from 0
}

// Engine evaluates projects of one tenant at one moment. It is immutable
// after NewEngine and safe for concurrent use; accumulators are not.
type Engine struct {
	loc        *time.Location
	zone       zoneTable
	now        time.Time
	nowDay     int64
	stagnant   int
	milestones []Milestone
	ids        []int64 // ids[i] = milestones[i].ID, for a tight lookup loop
	configured []Prob
	stageProb  []Prob // learned when opted in and known, else configured
	qualIndex  int    // first qualifying milestone, -1 if none
	wonIndex   int    // first won milestone, -1 if none
}

// ErrTooManyMilestones is returned when a process has more than MaxMilestones
// active milestones.
var ErrTooManyMilestones = errors.New("pipeline: too many active milestones")

// NewEngine orders the tenant's active milestones by position (then ID) and
// prepares the stage probabilities.
func NewEngine(defs []MilestoneDef, s Settings) (*Engine, error) {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	active := make([]MilestoneDef, 0, len(defs))
	for _, d := range defs {
		if d.Active {
			active = append(active, d)
		}
	}
	if len(active) > MaxMilestones {
		return nil, fmt.Errorf("%w: %d > %d", ErrTooManyMilestones, len(active), MaxMilestones)
	}
	slices.SortStableFunc(active, func(a, b MilestoneDef) int {
		if a.Position != b.Position {
			return a.Position - b.Position
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	e := &Engine{
		loc:       loc,
		zone:      newZoneTable(loc, s.Now),
		now:       s.Now,
		nowDay:    localDay(s.Now, loc),
		stagnant:  s.StagnantDays,
		qualIndex: -1,
		wonIndex:  -1,
	}
	for i, d := range active {
		for _, id := range e.ids {
			if id == d.ID {
				return nil, fmt.Errorf("pipeline: milestone %d defined twice", d.ID)
			}
		}
		e.milestones = append(e.milestones, Milestone{MilestoneDef: d, Index: i})
		e.ids = append(e.ids, d.ID)
		p := PercentProb(d.Probability)
		e.configured = append(e.configured, p)
		if s.UseLearned {
			if lp, ok := s.Learned[d.ID]; ok {
				p = clampProb(lp)
			}
		}
		e.stageProb = append(e.stageProb, p)
		if d.Qualifying && e.qualIndex < 0 {
			e.qualIndex = i
		}
		if d.Won && e.wonIndex < 0 {
			e.wonIndex = i
		}
	}
	return e, nil
}

// Milestones returns the active milestones in process order.
func (e *Engine) Milestones() []Milestone { return slices.Clone(e.milestones) }

// Location returns the tenant's time zone.
func (e *Engine) Location() *time.Location { return e.loc }

// Now returns the moment the engine evaluates at.
func (e *Engine) Now() time.Time { return e.now }

// StageProbability returns the probability the engine uses for a project
// whose last completed milestone has the given ID (configured, or learned
// when the tenant opted in). Unknown IDs give 0.
func (e *Engine) StageProbability(milestoneID int64) Prob {
	if i := e.index(milestoneID); i >= 0 {
		return e.stageProb[i]
	}
	return 0
}

// index returns the position of an active milestone, or -1.
func (e *Engine) index(id int64) int {
	for i, x := range e.ids {
		if x == id {
			return i
		}
	}
	return -1
}
