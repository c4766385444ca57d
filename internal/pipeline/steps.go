package pipeline

// StepOptions configure StepTimes.
type StepOptions struct {
	// Period keeps the steps that ended in it; zero: all time.
	Period Period
	Group  KeyFunc // nil: one group
	// MaxOutliers caps the outliers listed per step and group (the count of
	// all outliers is always exact); 0 means 20.
	MaxOutliers int
}

// Step names one measured step of the process. Step 0 runs from creation to
// qualification or archiving (FromID = ToID = 0); step i > 0 runs from
// active milestone i-1 to active milestone i (for a project that skipped
// i-1, from the last milestone before it that it completed).
type Step struct {
	FromID, ToID int64
}

// StepStats is the distribution of one step's durations in one group.
type StepStats struct {
	Distribution
	// OutOfOrder counts projects whose later milestone of the pair was
	// completed before the earlier one; they are left out of the numbers.
	OutOfOrder int
	Outliers   []Outlier // longest first, at most MaxOutliers, all above P90
}

// StepRow is the step times of one group (or the total).
type StepRow struct {
	Key   Key
	Steps []StepStats // indexed like StepReport.Steps
}

// StepReport is the step times per group, in ascending key order, and in total.
type StepReport struct {
	Steps  []Step
	Groups []StepRow
	Total  StepRow
}

type stepState struct {
	s          []samples
	top        []topK
	outOfOrder []int
}

// StepTimes accumulates the time each step of the sales process took.
// Memory: 4 bytes per measured step of each project (exact percentiles need
// every value) plus MaxOutliers entries per step and group.
type StepTimes struct {
	e      *Engine
	period unixPeriod
	group  KeyFunc
	k      int
	g      groups[stepState]
}

// NewStepTimes returns an empty StepTimes.
func NewStepTimes(e *Engine, o StepOptions) *StepTimes {
	k := o.MaxOutliers
	if k <= 0 {
		k = 20
	}
	n := max(len(e.milestones), 1)
	return &StepTimes{e: e, period: toUnixPeriod(o.Period), group: o.Group, k: k,
		g: newGroups(func() *stepState {
			st := &stepState{s: make([]samples, n), top: make([]topK, n), outOfOrder: make([]int, n)}
			for i := range st.top {
				st.top[i].k = k
			}
			return st
		})}
}

// visit calls fn for every step p ended in the period, with its start and
// end (Unix seconds; end before start for a pair completed in reverse).
func (st *StepTimes) visit(p *Project, f *Facts, fn func(i int, from, to int64)) {
	created := p.CreatedAt.Unix()
	// Step 0: created → qualified, or → archived for a lead archived unqualified.
	end, ok := int64(0), false
	if f.Qualified {
		end, ok = f.QualifiedAt.Unix(), true
	} else if f.State == StateArchived && !p.ArchivedAt.IsZero() {
		end, ok = p.ArchivedAt.Unix(), true
	}
	if ok && st.period.contains(end) {
		fn(0, created, end)
	}
	for i := 1; i < len(st.e.milestones); i++ {
		if f.Done&(1<<i) == 0 || !st.period.contains(f.DoneAt[i]) {
			continue
		}
		// A project that skipped the previous milestone measures the step
		// from the one it completed before.
		if j := previousDone(f, i); j >= 0 {
			fn(i, f.DoneAt[j], f.DoneAt[i])
		}
	}
}

// Measured returns the steps p is measured in (bit i: step i, in order and
// ended in the period) and how long each took: the projects behind a
// step's count are those measured in it.
func (st *StepTimes) Measured(p *Project, f *Facts) (steps uint32, took [MaxMilestones]int64) {
	st.visit(p, f, func(i int, from, to int64) {
		if to >= from {
			steps |= 1 << i
			took[i] = int64(clampSeconds(to - from))
		}
	})
	return steps, took
}

// Add feeds one project.
func (st *StepTimes) Add(p *Project, f *Facts) {
	var s *stepState
	st.visit(p, f, func(i int, from, to int64) {
		if s == nil {
			s = st.g.get(groupKey(st.group, p, f))
		}
		st.record(s, i, from, to, p.ID)
	})
}

func (st *StepTimes) record(s *stepState, i int, from, to, id int64) {
	if to < from {
		s.outOfOrder[i]++
		return
	}
	sec := clampSeconds(to - from)
	s.s[i].add(sec)
	s.top[i].add(outlierEntry{sec: sec, id: id})
}

// Result returns the step times. Counts and OutOfOrder of the total row are
// the sums of the group rows; its percentiles are exact over all projects.
func (st *StepTimes) Result() StepReport {
	n := max(len(st.e.milestones), 1)
	r := StepReport{Steps: make([]Step, n)}
	for i := 1; i < len(st.e.milestones); i++ {
		r.Steps[i] = Step{FromID: st.e.ids[i-1], ToID: st.e.ids[i]}
	}
	keys := st.g.keys()
	r.Total = StepRow{Key: NoGroup, Steps: make([]StepStats, n)}
	for i := 0; i < n; i++ {
		var parts []*samples
		var heaps []*topK
		ooo := 0
		for _, k := range keys {
			s := st.g.m[k]
			parts = append(parts, &s.s[i])
			heaps = append(heaps, &s.top[i])
			ooo += s.outOfOrder[i]
		}
		d := distribution(parts)
		r.Total.Steps[i] = StepStats{Distribution: d, OutOfOrder: ooo, Outliers: outliers(heaps, st.k, d.P90)}
	}
	for _, k := range keys {
		s := st.g.m[k]
		row := StepRow{Key: k, Steps: make([]StepStats, n)}
		for i := 0; i < n; i++ {
			d := distribution([]*samples{&s.s[i]})
			row.Steps[i] = StepStats{Distribution: d, OutOfOrder: s.outOfOrder[i],
				Outliers: outliers([]*topK{&s.top[i]}, st.k, d.P90)}
		}
		r.Groups = append(r.Groups, row)
	}
	return r
}
