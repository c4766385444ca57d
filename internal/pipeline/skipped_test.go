package pipeline

import (
	"testing"
	"time"
)

// TestSkippedMilestones: a skipped milestone is never pending, due or late;
// the deadline of the next one counts from the milestone completed before
// the skipped one; a completion of a skipped milestone wins over the skip;
// step times pass over it; the funnel does not count it as reached.
func TestSkippedMilestones(t *testing.T) {
	loc := berlin
	created := at(loc, 2026, 3, 2, 9, 0)
	now := at(loc, 2026, 3, 20, 12, 0)
	e := engine(t, defaultDefs(), Settings{Location: loc, Now: now})
	base := func() Project {
		return Project{ID: 1, State: StateActive, CreatedAt: created, Value: 1000,
			Completions: []Completion{{MilestoneID: mCreated, At: created}}}
	}

	// Qualified skipped: Proposed is pending, due 7 days after Lead created
	// (the qualification's 2-day deadline never applies), so late since 10 March.
	p := base()
	p.Skipped = []int64{mQualified}
	f := e.Facts(&p)
	if f.Pending != 2 || !f.HasDue || !f.PendingDue.Equal(at(loc, 2026, 3, 9, 0, 0)) {
		t.Fatalf("pending %d due %v %v, want Proposed due 9 March", f.Pending, f.HasDue, f.PendingDue)
	}
	if !f.LateMilestone || f.DaysLate != 11 {
		t.Errorf("late %v by %d days, want 11", f.LateMilestone, f.DaysLate)
	}
	if f.Qualified {
		t.Errorf("a skipped qualifying milestone qualifies the project")
	}

	// Without the skip the same project is pending on Lead qualified.
	p = base()
	if f := e.Facts(&p); f.Pending != 1 {
		t.Fatalf("pending %d, want Lead qualified", f.Pending)
	}

	// Completed anyway: the completion wins, Proposed's deadline counts from it.
	p = base()
	p.Skipped = []int64{mQualified}
	p.Completions = append(p.Completions, Completion{MilestoneID: mQualified, At: at(loc, 2026, 3, 18, 10, 0)})
	f = e.Facts(&p)
	if f.Skipped != 0 || f.Pending != 2 || !f.PendingDue.Equal(at(loc, 2026, 3, 25, 0, 0)) || f.Late {
		t.Errorf("completed skipped milestone: skipped %b pending %d due %v late %v", f.Skipped, f.Pending, f.PendingDue, f.Late)
	}

	// Unknown and inactive milestones in Skipped are ignored.
	p = base()
	p.Skipped = []int64{99, 12345}
	if f := e.Facts(&p); f.Pending != 1 || f.Skipped != 0 {
		t.Errorf("ignored skips: pending %d skipped %b", f.Pending, f.Skipped)
	}

	// Step times: Proposed measured from Lead created for a project that skipped qualification.
	p = base()
	p.Skipped = []int64{mQualified}
	p.Completions = append(p.Completions, Completion{MilestoneID: mProposed, At: created.Add(72 * time.Hour)})
	st := NewStepTimes(e, StepOptions{})
	fu := NewFunnel(e, FunnelOptions{})
	b := NewBatch(e, st, fu)
	b.Add(&p)
	r := st.Result()
	if got := r.Total.Steps[2].Count; got != 1 {
		t.Fatalf("Proposed step measured %d times, want 1", got)
	}
	if got := r.Total.Steps[2].Median; got != 72*time.Hour {
		t.Errorf("Proposed step %v, want 72h from Lead created", got)
	}
	if got := r.Total.Steps[1].Count; got != 0 {
		t.Errorf("the skipped step was measured %d times", got)
	}
	// Having completed Proposed, the project has passed (reached) the
	// skipped qualification, and is qualified by that later completion.
	if fr := fu.Result().Total; fr.Reached[1] != 1 || fr.Reached[2] != 1 || fr.Qualified != 1 {
		t.Errorf("funnel reached %v qualified %d", fr.Reached, fr.Qualified)
	}
}
