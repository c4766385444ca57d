package pipeline

// DefaultPriorStrength is the weight, in projects, of the configured
// probability when learning: a stage's learned probability behaves as if
// that many extra closed projects had been sold at the configured rate.
const DefaultPriorStrength = 10

// LearnedStage is what the closed projects say about one active milestone.
type LearnedStage struct {
	MilestoneID int64
	Configured  Prob
	N           int     // closed projects that reached the milestone
	Sold        int     // of those, sold
	Raw         float64 // Sold ÷ N; 0 when N is 0
	Learned     Prob    // (Sold + s × Configured) ÷ (N + s), s the prior strength
	// Brier scores of this stage's predictions over its N projects, lower
	// is better; learned is scored leave-one-out. 0 when N is 0 or the
	// milestone is flagged won (always sold, nothing to predict).
	BrierConfigured, BrierLearned float64
}

// Backtest compares configured and learned probabilities on the closed
// projects: the mean squared error of the predicted chance of a sale against
// what happened (1 sold, 0 archived), over every (project, milestone
// reached) pair except won milestones.
type Backtest struct {
	Predictions                   int
	BrierConfigured, BrierLearned float64 // 0 when there are no predictions
}

// LearnedReport is the learned stage probabilities and their backtest.
type LearnedReport struct {
	PriorStrength float64
	Stages        []LearnedStage
	Backtest      Backtest
}

// Probabilities returns the learned probabilities by milestone ID, the form
// Settings.Learned takes.
func (r LearnedReport) Probabilities() map[int64]Prob {
	m := make(map[int64]Prob, len(r.Stages))
	for _, s := range r.Stages {
		m[s.MilestoneID] = s.Learned
	}
	return m
}

// Learner accumulates the tenant's closed projects (sold or archived) to
// learn stage probabilities. A project counts for every milestone up to its
// last completed one. Feed it the closed projects of the window to learn
// from; open ones are ignored.
type Learner struct {
	e        *Engine
	strength float64
	n, sold  []int
}

// NewLearner returns an empty Learner. strength is the prior strength in
// projects; zero or less means DefaultPriorStrength.
func NewLearner(e *Engine, strength float64) *Learner {
	if !(strength > 0) || strength > 1e9 {
		strength = DefaultPriorStrength
	}
	n := len(e.milestones)
	return &Learner{e: e, strength: strength, n: make([]int, n), sold: make([]int, n)}
}

// Add feeds one project.
func (l *Learner) Add(_ *Project, f *Facts) {
	if f.State != StateSold && f.State != StateArchived {
		return
	}
	l.add(f.State == StateSold, f.LastDone, 1)
}

// AddClosed feeds n closed projects, sold or not, whose last completed
// milestone is the one with ID last (0: none), as Derive gives it (Last)
// and it is stored with each project: what Add does for each of them. The
// Learner needs nothing else of a project, so a report can count closed
// projects by their stored stage instead of reading each one.
func (l *Learner) AddClosed(sold bool, last int64, n int) {
	l.add(sold, l.e.index(last), n)
}

// add counts n closed projects whose last completed milestone is at
// position lastDone as having reached every milestone up to it.
func (l *Learner) add(sold bool, lastDone, n int) {
	for i := 0; i <= lastDone; i++ {
		l.n[i] += n
		if sold {
			l.sold[i] += n
		}
	}
}

// smoothed is the Beta-prior estimate (sold + s·p0) ÷ (n + s).
func smoothed(sold, n, s, p0 float64) float64 {
	return ratio01(sold+s*p0, n+s)
}

// LearnedProbability is the learned probability of a stage that reached
// closed projects reached, sold of them sold, with the configured
// probability as the prior of the given strength (zero or less:
// DefaultPriorStrength): what Learner.Result gives for the same counts.
func LearnedProbability(sold, reached int, configured Prob, strength float64) Prob {
	if !(strength > 0) || strength > 1e9 {
		strength = DefaultPriorStrength
	}
	return probFromFloat(smoothed(float64(sold), float64(reached), strength, configured.Float()))
}

// Result returns the learned probabilities and the backtest.
//
// Leave-one-out is exact from the counts alone: for a sold project the
// learned prediction without it is (Sold−1 + s·p0) ÷ (N−1 + s), for an
// archived one (Sold + s·p0) ÷ (N−1 + s), so no project is scored by a
// probability fitted on itself.
func (l *Learner) Result() LearnedReport {
	r := LearnedReport{PriorStrength: l.strength}
	var sumC, sumL float64
	for i, m := range l.e.milestones {
		n, sold := float64(l.n[i]), float64(l.sold[i])
		p0 := l.e.configured[i].Float()
		st := LearnedStage{
			MilestoneID: m.ID, Configured: l.e.configured[i],
			N: l.n[i], Sold: l.sold[i],
			Raw:     ratio01(sold, n),
			Learned: LearnedProbability(l.sold[i], l.n[i], l.e.configured[i], l.strength),
		}
		if l.n[i] > 0 && !m.Won {
			lost := n - sold
			bc := sold*(1-p0)*(1-p0) + lost*p0*p0
			pSold := smoothed(sold-1, n-1, l.strength, p0) // predicted for a sold project, left out
			pLost := smoothed(sold, n-1, l.strength, p0)   // predicted for an archived one
			bl := sold*(1-pSold)*(1-pSold) + lost*pLost*pLost
			st.BrierConfigured, st.BrierLearned = ratio(bc, n), ratio(bl, n)
			sumC += bc
			sumL += bl
			r.Backtest.Predictions += l.n[i]
		}
		r.Stages = append(r.Stages, st)
	}
	pred := float64(r.Backtest.Predictions)
	r.Backtest.BrierConfigured = ratio(sumC, pred)
	r.Backtest.BrierLearned = ratio(sumL, pred)
	return r
}
