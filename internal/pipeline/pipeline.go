package pipeline

// PipelineOptions configure a Pipeline.
type PipelineOptions struct {
	Group KeyFunc // nil: one group
	// ByReached puts each project in the stage it has reached, its last
	// completed milestone (which its probability comes from), instead of
	// its pending milestone. The last stage row then holds the open
	// projects with no completed milestone.
	ByReached bool
}

// StageRow is the open projects waiting on one milestone (or, by reached,
// having last completed it).
type StageRow struct {
	MilestoneID int64 // the pending (or last completed) milestone; 0 for projects with none
	Count       int
	Value       int64 // cents
	Weighted    int64 // Σ weighted value, cents
	Stagnant    int
	Late        int
}

// Probability is the value-weighted probability of the row, Weighted ÷
// Value, in [0, 1]; 0 when Value is 0.
func (s StageRow) Probability() float64 {
	return ratio01(float64(s.Weighted), float64(s.Value))
}

func (s *StageRow) add(o *StageRow) {
	s.Count += o.Count
	s.Value += o.Value
	s.Weighted += o.Weighted
	s.Stagnant += o.Stagnant
	s.Late += o.Late
}

// PipelineRow is the pipeline of one group (or the total): one StageRow per
// active milestone in order, then one for open projects with no pending
// milestone, and their sum.
type PipelineRow struct {
	Key    Key
	Stages []StageRow
	Total  StageRow
}

// PipelineReport is the pipeline per group, in ascending key order, and in total.
type PipelineReport struct {
	Groups []PipelineRow
	Total  PipelineRow
}

// Pipeline accumulates the open (effectively active) projects by pending
// milestone, or by the stage reached (PipelineOptions.ByReached).
type Pipeline struct {
	e       *Engine
	group   KeyFunc
	reached bool
	g       groups[[]StageRow]
}

// NewPipeline returns an empty Pipeline.
func NewPipeline(e *Engine, o PipelineOptions) *Pipeline {
	n := len(e.milestones) + 1
	return &Pipeline{e: e, group: o.Group, reached: o.ByReached, g: newGroups(func() *[]StageRow {
		s := make([]StageRow, n)
		return &s
	})}
}

// Stage returns the index of the stage row p counts in (the last one for
// none pending or, by reached, none completed), and false when p does not
// count (it is not effectively active). The list behind a number of the
// report is the projects of its stage.
func (pl *Pipeline) Stage(p *Project, f *Facts) (int, bool) {
	if f.State != StateActive {
		return 0, false
	}
	i := f.Pending
	if pl.reached {
		i = f.LastDone
	}
	if i < 0 {
		i = len(pl.e.milestones)
	}
	return i, true
}

// Add feeds one project; only effectively active projects count.
func (pl *Pipeline) Add(p *Project, f *Facts) {
	i, ok := pl.Stage(p, f)
	if !ok {
		return
	}
	rows := *pl.g.get(groupKey(pl.group, p, f))
	r := &rows[i]
	r.Count++
	r.Value += f.Value
	r.Weighted += f.Weighted
	if f.Stagnant {
		r.Stagnant++
	}
	if f.Late {
		r.Late++
	}
}

// Result returns the pipeline. The total row is the sum of the group rows.
func (pl *Pipeline) Result() PipelineReport {
	var r PipelineReport
	r.Total = pl.row(NoGroup, nil)
	for _, k := range pl.g.keys() {
		row := pl.row(k, *pl.g.m[k])
		r.Groups = append(r.Groups, row)
		for i := range row.Stages {
			r.Total.Stages[i].add(&row.Stages[i])
		}
		r.Total.Total.add(&row.Total)
	}
	return r
}

func (pl *Pipeline) row(k Key, src []StageRow) PipelineRow {
	n := len(pl.e.milestones)
	row := PipelineRow{Key: k, Stages: make([]StageRow, n+1)}
	copy(row.Stages, src)
	for i := range row.Stages {
		row.Stages[i].MilestoneID = 0
		if i < n {
			row.Stages[i].MilestoneID = pl.e.ids[i]
		}
		row.Total.add(&row.Stages[i])
	}
	return row
}
