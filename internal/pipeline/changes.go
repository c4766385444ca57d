package pipeline

import "time"

// Bucket is one bar of the pipeline changes report: one way the open
// pipeline moved between two instants.
type Bucket uint8

// The buckets, in the order of the waterfall.
const (
	BucketCreated   Bucket = iota // new projects that entered the pipeline
	BucketPulledIn                // expected close moved into the window
	BucketIncreased               // value raised while in the pipeline
	BucketDecreased               // value lowered while in the pipeline
	BucketPushedOut               // expected close moved out of the window (or cleared)
	BucketWon                     // sold
	BucketLost                    // archived
	BucketReopened                // came back to open from sold or archived
	NumBuckets
)

// bucketNames are the buckets' stable names, for URLs and files.
var bucketNames = [NumBuckets]string{"created", "pulled_in", "increased", "decreased", "pushed_out", "won", "lost", "reopened"}

// String returns the bucket's stable name ("created", "pulled_in", ...).
func (b Bucket) String() string {
	if b < NumBuckets {
		return bucketNames[b]
	}
	return "unknown"
}

// BucketNamed returns the bucket of a stable name.
func BucketNamed(s string) (Bucket, bool) {
	for i, n := range bucketNames {
		if n == s {
			return Bucket(i), true
		}
	}
	return 0, false
}

// ChangesOptions configure a Changes report.
type ChangesOptions struct {
	// Period runs from the instant the first pipeline is taken (the end
	// of the day before its first day) to the instant the second is (the
	// end of its last day).
	Period Period
	// Close is the window of expected close days (local calendar days,
	// [From, To)); zero: no window, every open project is in the pipeline
	// whatever its expected close, and nothing is pulled in or pushed out.
	Close Period
}

// ChangeStep is one move of one project in or out of the pipeline, or of its
// value while in it: the bucket and the signed amount in cents.
type ChangeStep struct {
	Bucket Bucket
	At     time.Time
	Amount int64
}

// BucketRow is one bucket's projects and signed sum.
type BucketRow struct {
	Count int   // projects with at least one step in the bucket
	Value int64 // Σ signed amounts, cents: negative for the buckets that take value out
}

// PipelineAt is the open pipeline at an instant: its projects and value.
type PipelineAt struct {
	Count int
	Value int64
}

// ChangesReport is the waterfall: Start + Σ Buckets = End, to the cent.
type ChangesReport struct {
	Start, End PipelineAt
	Buckets    [NumBuckets]BucketRow
}

// Changes accumulates the pipeline changes between two instants.
type Changes struct {
	e     *Engine
	o     ChangesOptions
	from  int64 // the close window as civil days [from, to)
	to    int64
	r     ChangesReport
	steps []ChangeStep
}

// NewChanges returns an empty Changes.
func NewChanges(e *Engine, o ChangesOptions) *Changes {
	c := &Changes{e: e, o: o}
	if !o.Close.IsZero() {
		c.from, c.to = localDay(o.Close.From, e.loc), localDay(o.Close.To, e.loc)
	}
	return c
}

// snapshot is what the pipeline changes read of a project at an instant.
type snapshot struct {
	exists bool
	state  State
	value  int64
	close  time.Time
}

// snapshotAt rebuilds p's snapshot just before t, or, with through, just after
// the changes logged at t.
func snapshotAt(p *Project, t time.Time, through bool) snapshot {
	if p.CreatedAt.After(t) || !through && p.CreatedAt.Equal(t) {
		return snapshot{}
	}
	s := snapshot{exists: true, state: p.State, value: p.Value, close: p.ExpectedClose}
	for i := len(p.Changes) - 1; i >= 0; i-- {
		c := &p.Changes[i]
		if c.At.Before(t) || through && c.At.Equal(t) {
			break
		}
		switch c.Field {
		case FieldValue:
			s.value = c.Old
		case FieldExpectedClose:
			s.close = c.OldDate
		case FieldState:
			s.state = State(c.Old)
		}
	}
	return s
}

// in tells whether a snapshot is in the pipeline: the project exists, is
// open (active or deferred) and, with a close window, expects to close in it.
func (c *Changes) in(s snapshot) bool {
	if !s.exists || s.state == StateArchived || s.state == StateSold {
		return false
	}
	if c.o.Close.IsZero() {
		return true
	}
	if s.close.IsZero() {
		return false
	}
	d := dateDay(s.close)
	return d >= c.from && d < c.to
}

// contribution is what a snapshot adds to the pipeline: its value (a
// negative value counts as zero) while in it, else 0.
func (c *Changes) contribution(s snapshot) int64 {
	if !c.in(s) {
		return 0
	}
	return max(s.value, 0)
}

// InAt tells whether p was in the pipeline at the instant t and with what
// value: the drill-down of the two pipelines.
func (c *Changes) InAt(p *Project, t time.Time) (int64, bool) {
	s := snapshotAt(p, t, false)
	return c.contribution(s), c.in(s)
}

// Steps returns p's steps in the period, in time order, appended to dst.
// They add up to p's value in the second pipeline minus its value in the
// first. Each instant at which p was created or a change of it was logged
// is one step from just before to just after it, put in one bucket by the
// first rule that applies:
//   - in the pipeline before and after: the value's difference, in value
//     increased or decreased (no step when it did not change);
//   - in after only: created (it did not exist before), reopened (it was
//     sold or archived before) or pulled in (it was open, with an expected
//     close outside the window or none), by its value after;
//   - in before only: won (sold after), lost (archived after) or pushed out
//     (still open, expected close outside the window or cleared), by its
//     value before;
//   - in neither: no step.
func (c *Changes) Steps(p *Project, dst []ChangeStep) []ChangeStep {
	from, to := c.o.Period.From, c.o.Period.To
	step := func(t time.Time) {
		a, b := snapshotAt(p, t, false), snapshotAt(p, t, true)
		ain, bin := c.in(a), c.in(b)
		av, bv := max(a.value, 0), max(b.value, 0)
		switch {
		case ain && bin:
			switch {
			case bv > av:
				dst = append(dst, ChangeStep{BucketIncreased, t, bv - av})
			case bv < av:
				dst = append(dst, ChangeStep{BucketDecreased, t, bv - av})
			}
		case bin:
			k := BucketPulledIn
			switch {
			case !a.exists:
				k = BucketCreated
			case a.state == StateArchived || a.state == StateSold:
				k = BucketReopened
			}
			dst = append(dst, ChangeStep{k, t, bv})
		case ain:
			k := BucketPushedOut
			switch b.state {
			case StateSold:
				k = BucketWon
			case StateArchived:
				k = BucketLost
			}
			dst = append(dst, ChangeStep{k, t, -av})
		}
	}
	created := !p.CreatedAt.Before(from) && p.CreatedAt.Before(to)
	done := false
	for i := range p.Changes {
		t := p.Changes[i].At
		if t.Before(from) || !t.Before(to) || i > 0 && p.Changes[i-1].At.Equal(t) {
			continue
		}
		if created && !done && !t.Before(p.CreatedAt) {
			done = true
			if !t.Equal(p.CreatedAt) {
				step(p.CreatedAt)
			}
		}
		step(t)
	}
	if created && !done {
		step(p.CreatedAt)
	}
	return dst
}

// Add feeds one project: its place in both pipelines and its steps.
func (c *Changes) Add(p *Project) {
	if v, ok := c.InAt(p, c.o.Period.From); ok {
		c.r.Start.Count++
		c.r.Start.Value += v
	}
	if v, ok := c.InAt(p, c.o.Period.To); ok {
		c.r.End.Count++
		c.r.End.Value += v
	}
	c.steps = c.Steps(p, c.steps[:0])
	var seen [NumBuckets]bool
	for _, s := range c.steps {
		c.r.Buckets[s.Bucket].Value += s.Amount
		if !seen[s.Bucket] {
			seen[s.Bucket] = true
			c.r.Buckets[s.Bucket].Count++
		}
	}
}

// Result returns the waterfall.
func (c *Changes) Result() ChangesReport { return c.r }

// Balance is Start + Σ Buckets − End: 0 when the waterfall balances, which
// it always does when every project was fed with its logged changes.
func (r ChangesReport) Balance() int64 {
	n := r.Start.Value - r.End.Value
	for _, b := range r.Buckets {
		n += b.Value
	}
	return n
}
