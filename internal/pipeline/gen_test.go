package pipeline

import (
	"math/rand/v2"
	"time"
)

// genBase is the start of the synthetic year; genNow is when it is evaluated.
var (
	genBase = time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)
	genNow  = genBase.Add(400 * 24 * time.Hour)
)

// genDefs is a process of n milestones: the second qualifies (the first when
// n is 1 or 2), the last wins.
func genDefs(n int) []MilestoneDef {
	defs := make([]MilestoneDef, n)
	for i := range defs {
		defs[i] = MilestoneDef{
			ID: int64(100 + i), Position: i + 1, Active: true,
			DeadlineDays: []int{0, 2, 7, 14, 30}[i%5], DeadlineFrom: Anchor(i % 2),
			Probability: min(100, 10+90*i/max(n-1, 1)),
		}
	}
	q := 1
	if n <= 2 {
		q = 0
	}
	defs[q].Qualifying = true
	defs[n-1].Won = true
	return defs
}

// genProject fills p with a random but plausible project: milestones mostly
// completed in order, some skipped (undone) or completed out of order,
// archived before or after qualification, deferred, sold, zero values.
func genProject(r *rand.Rand, p *Project, id int64, defs []MilestoneDef, owners int) {
	day := int64(24 * time.Hour / time.Second)
	created := genBase.Add(time.Duration(r.Int64N(365*day)) * time.Second)
	*p = Project{
		ID: id, OwnerID: int64(1 + r.IntN(owners)), WorkgroupID: int64(1 + r.IntN(5)),
		SourceID: int64(1 + r.IntN(8)), CreatedAt: created, State: StateActive,
		Forecast: ForecastCategory(r.IntN(5)),
	}
	if r.IntN(10) > 0 {
		p.Value = 100 + r.Int64N(10_000_000)
	}
	reached := r.IntN(len(defs) + 1)
	t := created
	comps := make([]Completion, 0, reached)
	for i := 0; i < reached; i++ {
		t = t.Add(time.Duration(r.Int64N(20*day)) * time.Second)
		if i > 0 && i < reached-1 && r.IntN(20) == 0 {
			continue // undone
		}
		comps = append(comps, Completion{MilestoneID: defs[i].ID, At: t})
	}
	if len(comps) > 2 && r.IntN(20) == 0 {
		comps[1].At, comps[2].At = comps[2].At, comps[1].At // out of order
	}
	p.Completions = comps
	last := t
	switch {
	case reached == len(defs):
		p.State = StateSold
	case r.IntN(3) == 0:
		p.State = StateArchived
		p.ArchivedAt = last.Add(time.Duration(r.Int64N(10*day)) * time.Second)
		p.ArchiveReasonID = int64(1 + r.IntN(4))
	case r.IntN(6) == 0:
		p.State = StateDeferred
		p.DeferUntil = last.Add(time.Duration(r.Int64N(200*day)) * time.Second)
	}
	if r.IntN(5) > 0 {
		c := created.Add(time.Duration(r.Int64N(120*day)) * time.Second)
		p.ExpectedClose = time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, time.UTC)
	}
	if r.IntN(10) == 0 {
		p.HasOverride, p.ProbabilityOverride = true, r.IntN(101)
	}
	if r.IntN(5) > 0 {
		p.FirstTouchAt = created.Add(time.Duration(r.Int64N(3*day)) * time.Second)
	}
	if r.IntN(2) == 0 {
		p.LastActivityAt = last.Add(time.Duration(r.Int64N(30*day)) * time.Second)
	}
	if r.IntN(4) == 0 {
		p.Items = []DueItem{{ID: id, Kind: ItemKind(1 + r.IntN(2)), AllDay: r.IntN(2) == 0,
			Due: last.Add(time.Duration(r.Int64N(60*day)) * time.Second)}}
	}
}

func genProjects(seed uint64, n int, defs []MilestoneDef, owners int) []Project {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ps := make([]Project, n)
	for i := range ps {
		genProject(r, &ps[i], int64(i+1), defs, owners)
	}
	return ps
}
