package pipeline

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// scenario is a small Berlin tenant evaluated on 15 April 2026; the period of
// interest is March 2026.
func scenario(t *testing.T) (*Engine, []Project, Period) {
	t.Helper()
	e := engine(t, defaultDefs(), Settings{Location: berlin, Now: at(berlin, 2026, 4, 15, 12, 0), StagnantDays: 14})
	march, err := ParsePeriod("2026-03", berlin)
	if err != nil {
		t.Fatal(err)
	}
	d := func(m time.Month, day, h int) time.Time { return at(berlin, 2026, m, day, h, 0) }
	ps := []Project{
		{ID: 1, OwnerID: 1, State: StateSold, Value: 1_000_000, CreatedAt: d(3, 2, 9),
			FirstTouchAt: d(3, 2, 9).Add(30 * time.Minute),
			Completions: []Completion{done(mCreated, d(3, 2, 9)), done(mQualified, d(3, 3, 9)),
				done(mProposed, d(3, 10, 9)), done(mSold, d(3, 20, 9))}},
		{ID: 2, OwnerID: 1, State: StateArchived, Value: 50_000, CreatedAt: d(3, 5, 9),
			FirstTouchAt: d(3, 5, 11), ArchivedAt: d(3, 6, 9), ArchiveReasonID: 7,
			Completions: []Completion{done(mCreated, d(3, 5, 9))}},
		{ID: 3, OwnerID: 2, State: StateArchived, Value: 70_000, CreatedAt: d(3, 8, 9),
			ArchivedAt: d(3, 28, 9), ArchiveReasonID: 8,
			Completions: []Completion{done(mCreated, d(3, 8, 9)), done(mQualified, d(3, 9, 9))}},
		{ID: 4, OwnerID: 2, State: StateDeferred, Value: 80_000, CreatedAt: d(3, 9, 9),
			DeferUntil: d(6, 1, 0), Completions: []Completion{done(mCreated, d(3, 9, 9))}},
		{ID: 5, OwnerID: 1, State: StateActive, Value: 200_000, CreatedAt: d(2, 20, 9),
			LastActivityAt: d(4, 10, 9), Forecast: CategoryCommit,
			ExpectedClose: time.Date(2026, 5, 15, 0, 0, 0, 0, time.UTC),
			Completions: []Completion{done(mCreated, d(2, 20, 9)), done(mQualified, d(2, 21, 9)),
				done(mProposed, d(3, 4, 9))}},
		{ID: 6, OwnerID: 2, State: StateActive, Value: 0, CreatedAt: at(berlin, 2026, 4, 1, 0, 30), // 31 March in UTC
			Completions: []Completion{done(mCreated, at(berlin, 2026, 4, 1, 0, 30))}},
		{ID: 7, OwnerID: 1, State: StateActive, Value: 300_000, CreatedAt: d(3, 15, 9), Forecast: CategoryBestCase,
			ExpectedClose: time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC),
			Completions:   []Completion{done(mCreated, d(3, 15, 9)), done(mProposed, d(3, 15, 10))}},
	}
	return e, ps, march
}

func eqInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestFunnel(t *testing.T) {
	e, ps, march := scenario(t)
	fu := NewFunnel(e, FunnelOptions{Period: march, Group: e.KeyFunc(ByOwner)})
	b := NewBatch(e, fu)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := fu.Result()
	tot := r.Total
	if tot.Created != 5 || !eqInts(tot.Reached, []int{5, 3, 2, 1}) || tot.Qualified != 3 ||
		tot.ArchivedUnqualified != 1 || tot.ArchivedQualified != 1 || tot.Deferred != 1 ||
		tot.Sold != 1 || tot.Open != 1 || tot.Untriaged != 1 {
		t.Errorf("cohort %+v", tot)
	}
	if len(tot.ArchivedByReason) != 2 || tot.ArchivedByReason[0] != (ReasonCount{7, 1}) || tot.ArchivedByReason[1] != (ReasonCount{8, 1}) {
		t.Errorf("reasons %+v", tot.ArchivedByReason)
	}
	if !near(tot.Conversion[0], 0.6) || !near(tot.Conversion[1], 2.0/3) || !near(tot.Conversion[2], 0.5) ||
		!near(tot.LeadToQualified, 0.6) {
		t.Errorf("conversion %v lead→qualified %v", tot.Conversion, tot.LeadToQualified)
	}
	if !eqInts(tot.Completed, []int{5, 2, 3, 1}) || !eqInts(tot.LostAt, []int{1, 1, 0, 0}) ||
		tot.ArchivedInPeriod != 2 || tot.SoldInPeriod != 1 || tot.LostBeforeFirst != 0 {
		t.Errorf("activity %+v", tot)
	}
	if !near(tot.ActivityConversion[0], 2.0/3) || !near(tot.ActivityConversion[1], 0.75) || !near(tot.ActivityConversion[2], 1) {
		t.Errorf("activity conversion %v", tot.ActivityConversion)
	}
	if len(r.Groups) != 2 || r.Groups[0].Key != 1 || r.Groups[0].Created != 3 || r.Groups[1].Created != 2 ||
		!eqInts(r.Groups[0].Completed, []int{3, 1, 3, 1}) {
		t.Errorf("groups %+v", r.Groups)
	}
}

func TestStepTimes(t *testing.T) {
	e := engine(t, defaultDefs(), Settings{Location: berlin, Now: at(berlin, 2026, 6, 1, 0, 0)})
	base := at(berlin, 2026, 3, 2, 9, 0)
	var ps []Project
	for i := 1; i <= 10; i++ {
		ps = append(ps, Project{ID: int64(i), OwnerID: int64(i % 2), CreatedAt: base,
			Completions: []Completion{done(mCreated, base), done(mQualified, base.Add(time.Duration(i)*time.Hour))}})
	}
	// An unqualified lead archived after 20 hours; a project with qualified
	// and proposed completed in reverse; one not qualified yet.
	ps = append(ps,
		Project{ID: 11, State: StateArchived, CreatedAt: base, ArchivedAt: base.Add(20 * time.Hour),
			Completions: []Completion{done(mCreated, base)}},
		Project{ID: 12, CreatedAt: base, Completions: []Completion{done(mCreated, base),
			done(mQualified, base.Add(48*time.Hour)), done(mProposed, base.Add(24*time.Hour))}},
		Project{ID: 13, CreatedAt: base, Completions: []Completion{done(mCreated, base)}},
	)
	st := NewStepTimes(e, StepOptions{MaxOutliers: 1})
	b := NewBatch(e, st)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := st.Result()
	if len(r.Steps) != 4 || r.Steps[0] != (Step{}) || r.Steps[2] != (Step{FromID: mQualified, ToID: mProposed}) {
		t.Fatalf("steps %+v", r.Steps)
	}
	s0 := r.Total.Steps[0]
	// Samples 1h…10h, 20h (archived) and 24h: project 12 counts as qualified
	// at its earliest completion from the qualifying milestone on (proposed).
	want := Distribution{Count: 12, Mean: time.Duration((55+24+20)*3600/12) * time.Second,
		Median: 6*time.Hour + 30*time.Minute, P90: 20 * time.Hour, Max: 24 * time.Hour, Above: 1}
	if s0.Distribution != want {
		t.Errorf("created → qualified/archived %+v, want %+v", s0.Distribution, want)
	}
	if len(s0.Outliers) != 1 || s0.Outliers[0] != (Outlier{ProjectID: 12, Duration: 24 * time.Hour}) {
		t.Errorf("outliers %+v", s0.Outliers)
	}
	if s := r.Total.Steps[2]; s.Count != 0 || s.OutOfOrder != 1 {
		t.Errorf("qualified → proposed %+v", s)
	}
	if s := r.Total.Steps[1]; s.Count != 11 || s.Max != 48*time.Hour {
		t.Errorf("created → qualified milestone %+v", s)
	}
	// Mean rounds to the second.
	if got := r.Total.Steps[0].Mean; got%time.Second != 0 {
		t.Errorf("mean %v not whole seconds", got)
	}
	// A period keeps the steps that ended in it.
	p, _ := ParsePeriod("2026-03-02", berlin)
	st = NewStepTimes(e, StepOptions{Period: p})
	b = NewBatch(e, st)
	for i := range ps {
		b.Add(&ps[i])
	}
	if c := st.Result().Total.Steps[0].Count; c != 10 { // projects 11 and 12 ended on 3 March
		t.Errorf("steps ending on 2 March: %d, want 10", c)
	}
}

func TestDistributionPercentiles(t *testing.T) {
	const maxSec = math.MaxInt32
	tests := []struct {
		vals       []int32
		median     time.Duration
		p90, above int32
	}{
		{[]int32{5}, 5 * time.Second, 5, 0},
		{[]int32{1, 2}, 1500 * time.Millisecond, 2, 0}, // the mean of the two middle values, exactly
		{[]int32{60, 121}, 90*time.Second + 500*time.Millisecond, 121, 0},
		{[]int32{3, 1, 2}, 2 * time.Second, 3, 0},
		{[]int32{7, 7, 7, 7}, 7 * time.Second, 7, 0},
		{[]int32{4, 1, 3, 2}, 2500 * time.Millisecond, 4, 0},
		{[]int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6 * time.Second, 10, 1},
		{[]int32{0, 0, 0, 0, 0, 0, 0, 0, 0, 100}, 0, 0, 1},
		{[]int32{maxSec - 1, maxSec}, (2*maxSec - 1) * time.Second / 2, maxSec, 0}, // no overflow
	}
	for _, tt := range tests {
		// Split over two sets to exercise the merged order statistics.
		a, b := &samples{}, &samples{}
		for i, v := range tt.vals {
			if i%2 == 0 {
				a.add(v)
			} else {
				b.add(v)
			}
		}
		d := distribution([]*samples{a, b})
		if d.Count != len(tt.vals) || d.Median != tt.median ||
			d.P90 != time.Duration(tt.p90)*time.Second || d.Above != int(tt.above) {
			t.Errorf("%v: %+v", tt.vals, d)
		}
	}
	if d := distribution(nil); d != (Distribution{}) {
		t.Errorf("empty: %+v", d)
	}
}

func TestPipeline(t *testing.T) {
	e, ps, _ := scenario(t)
	pl := NewPipeline(e, PipelineOptions{})
	b := NewBatch(e, pl)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := pl.Result()
	want := []StageRow{
		{MilestoneID: mCreated},
		{MilestoneID: mQualified, Count: 2, Value: 300_000, Weighted: 150_000, Stagnant: 2, Late: 2},
		{MilestoneID: mProposed},
		{MilestoneID: mSold, Count: 1, Value: 200_000, Weighted: 100_000},
		{},
	}
	if len(r.Total.Stages) != len(want) {
		t.Fatalf("stages %+v", r.Total.Stages)
	}
	for i := range want {
		if r.Total.Stages[i] != want[i] {
			t.Errorf("stage %d: %+v, want %+v", i, r.Total.Stages[i], want[i])
		}
	}
	if r.Total.Total != (StageRow{Count: 3, Value: 500_000, Weighted: 250_000, Stagnant: 2, Late: 2}) {
		t.Errorf("total %+v", r.Total.Total)
	}
	if p := r.Total.Stages[1].Probability(); !near(p, 0.5) {
		t.Errorf("probability %v", p)
	}
	if p := r.Total.Stages[0].Probability(); p != 0 {
		t.Errorf("empty stage probability %v", p)
	}
}

func TestForecast(t *testing.T) {
	e, ps, _ := scenario(t)
	quotas := []Quota{{Month: MonthKey(2026, 3), Group: 1, Cents: 2_000_000}, {Month: MonthKey(2026, 4), Group: 1, Cents: 1_000_000}}
	fc := NewForecast(e, ForecastOptions{Quotas: quotas})
	b := NewBatch(e, fc)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := fc.Result()
	want := []ForecastCell{
		{Month: 0, Count: 1},
		{Month: 202603, Count: 1, Weighted: 1_000_000, ClosedWon: 1_000_000, Quota: 2_000_000},
		{Month: 202604, Count: 1, Weighted: 150_000, BestCase: 300_000, Quota: 1_000_000},
		{Month: 202605, Count: 1, Weighted: 100_000, Commit: 200_000},
	}
	if len(r.Total.Months) != len(want) {
		t.Fatalf("months %+v", r.Total.Months)
	}
	for i := range want {
		if r.Total.Months[i] != want[i] {
			t.Errorf("month %d: %+v, want %+v", i, r.Total.Months[i], want[i])
		}
	}
	if m := r.Total.Months[1]; !near(m.Attainment(), 0.5) || m.Gap() != 1_000_000 {
		t.Errorf("attainment %v gap %d", m.Attainment(), m.Gap())
	}
	if m := r.Total.Months[3]; m.Attainment() != 0 || m.Gap() != 0 {
		t.Errorf("no quota: attainment %v gap %d", m.Attainment(), m.Gap())
	}
	// Grouped by owner, the quota lands on its owner; restricted to April.
	april, _ := ParsePeriod("2026-04", berlin)
	fc = NewForecast(e, ForecastOptions{Quotas: quotas, Group: e.KeyFunc(ByOwner), Months: april})
	b = NewBatch(e, fc)
	for i := range ps {
		b.Add(&ps[i])
	}
	r = fc.Result()
	if len(r.Groups) != 2 || r.Groups[0].Key != 1 || len(r.Groups[0].Months) != 1 ||
		r.Groups[0].Months[0] != (ForecastCell{Month: 202604, Count: 1, Weighted: 150_000, BestCase: 300_000, Quota: 1_000_000}) ||
		r.Groups[1].Total != (ForecastCell{Count: 1}) {
		t.Errorf("grouped forecast %+v", r.Groups)
	}
}

func TestMetrics(t *testing.T) {
	e, ps, march := scenario(t)
	me := NewMetrics(e, MetricsOptions{Period: march})
	b := NewBatch(e, me)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := me.Result().Total
	if r.Sold != 1 || r.SoldValue != 1_000_000 || r.LostQualified != 1 || r.Created != 5 || r.Qualified != 3 ||
		r.Touched != 2 || r.Open != 3 || r.OpenValue != 500_000 {
		t.Errorf("counts %+v", r)
	}
	if !near(r.WinRate, 0.5) || r.AvgDeal != 1_000_000 || !near(r.AvgCycleDays, 18) || !near(r.LeadToQualified, 0.6) {
		t.Errorf("rates %+v", r)
	}
	if r.Response.Mean != 75*time.Minute || r.Response.Median != 75*time.Minute || r.Response.Max != 2*time.Hour {
		t.Errorf("response %+v", r.Response)
	}
	if r.Velocity != 83333 { // 3 × 0.5 × 1,000,000 ÷ 18
		t.Errorf("velocity %d", r.Velocity)
	}
	if n, ok := r.DealsNeeded(5_000_000); !ok || n != 10 {
		t.Errorf("deals needed %d %v", n, ok)
	}
	if n, ok := r.DealsNeeded(5_000_001); !ok || n != 11 {
		t.Errorf("deals needed %d %v", n, ok)
	}
	if n, ok := r.DealsNeeded(0); !ok || n != 0 {
		t.Errorf("deals needed for no quota %d %v", n, ok)
	}
	if _, ok := DealsNeeded(100, 0.5, 0); ok {
		t.Errorf("deals needed without a deal size")
	}
}

func TestLearner(t *testing.T) {
	e := engine(t, defaultDefs(), Settings{Now: at(berlin, 2026, 6, 1, 0, 0)})
	c := at(berlin, 2026, 1, 1, 0, 0)
	all := []Completion{done(mCreated, c), done(mQualified, c), done(mProposed, c), done(mSold, c)}
	var ps []Project
	for i := 0; i < 3; i++ {
		ps = append(ps, Project{State: StateSold, CreatedAt: c, Completions: all})
	}
	for i := 0; i < 5; i++ {
		ps = append(ps, Project{State: StateArchived, CreatedAt: c, Completions: all[:2]})
	}
	for i := 0; i < 2; i++ {
		ps = append(ps, Project{State: StateArchived, CreatedAt: c, Completions: all[:1]})
	}
	ps = append(ps, Project{State: StateActive, CreatedAt: c, Completions: all[:3]}) // open: ignored
	le := NewLearner(e, 0)
	b := NewBatch(e, le)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := le.Result()
	wantN, wantSold := []int{10, 8, 3, 3}, []int{3, 3, 3, 3}
	wantLearned := []Prob{2000, 2778, 6154, 10000} // (3+1)/20, (3+2)/18, (3+5)/13, (3+10)/13
	for i, s := range r.Stages {
		if s.N != wantN[i] || s.Sold != wantSold[i] || s.Learned != wantLearned[i] {
			t.Errorf("stage %d: %+v", i, s)
		}
	}
	if r.Stages[2].Raw != 1 || r.Stages[2].Learned >= ProbOne {
		t.Errorf("three sold projects must not claim 100 %%: %+v", r.Stages[2])
	}
	// Stage 0 by hand: configured 10 %; leave-one-out learned 3/19 for a
	// sold project and 4/19 for an archived one.
	bc := (3*0.9*0.9 + 7*0.1*0.1) / 10
	bl := (3*(1-3.0/19)*(1-3.0/19) + 7*(4.0/19)*(4.0/19)) / 10
	if s := r.Stages[0]; !near(s.BrierConfigured, bc) || !near(s.BrierLearned, bl) {
		t.Errorf("stage 0 brier %v %v, want %v %v", s.BrierConfigured, s.BrierLearned, bc, bl)
	}
	if s := r.Stages[3]; s.BrierConfigured != 0 || s.BrierLearned != 0 {
		t.Errorf("won stage is not scored: %+v", s)
	}
	if r.Backtest.Predictions != 21 {
		t.Errorf("predictions %d", r.Backtest.Predictions)
	}
	wantC := (r.Stages[0].BrierConfigured*10 + r.Stages[1].BrierConfigured*8 + r.Stages[2].BrierConfigured*3) / 21
	if !near(r.Backtest.BrierConfigured, wantC) || r.Backtest.BrierLearned <= 0 {
		t.Errorf("backtest %+v", r.Backtest)
	}
	// The learned probabilities feed back into an engine when opted in.
	e2 := engine(t, defaultDefs(), Settings{UseLearned: true, Learned: r.Probabilities()})
	if e2.StageProbability(mProposed) != 6154 {
		t.Errorf("learned not used: %d", e2.StageProbability(mProposed))
	}
	// No closed projects: the configured probabilities, no NaN.
	r = NewLearner(e, 5).Result()
	if r.Stages[1].Learned != 2000 || r.Backtest != (Backtest{}) || r.PriorStrength != 5 {
		t.Errorf("empty learner %+v", r)
	}
}

func TestForecastMonthRange(t *testing.T) {
	e := engine(t, defaultDefs(), Settings{Location: berlin, Now: at(berlin, 2026, 1, 1, 0, 0)})
	var quotas []Quota
	for m := time.January; m <= time.December; m++ {
		quotas = append(quotas, Quota{Month: MonthKey(2026, m), Cents: int64(m)})
	}
	tests := []struct {
		period string
		want   []Key
	}{
		{"2026-03-15..2026-05-10", []Key{202604, 202605}},
		{"2026-03", []Key{202603}},
		{"2026-Q4", []Key{202610, 202611, 202612}},
		{"2026-03-01..2026-03-01", []Key{202603}},
		{"2026-03-02..2026-03-31", nil},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.period, berlin)
		if err != nil {
			t.Fatal(err)
		}
		r := NewForecast(e, ForecastOptions{Months: p, Quotas: quotas}).Result()
		var got []Key
		for _, c := range r.Total.Months {
			got = append(got, c.Month)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: months %v, want %v", tt.period, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: months %v, want %v", tt.period, got, tt.want)
			}
		}
	}
}

func TestPipelineByReached(t *testing.T) {
	e, ps, _ := scenario(t)
	pl := NewPipeline(e, PipelineOptions{ByReached: true})
	b := NewBatch(e, pl)
	for i := range ps {
		b.Add(&ps[i])
	}
	r := pl.Result()
	// 5 and 7 last completed Proposed (7 skipped Qualified), 6 only Created.
	want := []StageRow{
		{MilestoneID: mCreated, Count: 1, Stagnant: 1, Late: 1},
		{MilestoneID: mQualified},
		{MilestoneID: mProposed, Count: 2, Value: 500_000, Weighted: 250_000, Stagnant: 1, Late: 1},
		{MilestoneID: mSold},
		{},
	}
	for i := range want {
		if r.Total.Stages[i] != want[i] {
			t.Errorf("stage %d: %+v, want %+v", i, r.Total.Stages[i], want[i])
		}
	}
	if r.Total.Total != (StageRow{Count: 3, Value: 500_000, Weighted: 250_000, Stagnant: 2, Late: 2}) {
		t.Errorf("total %+v", r.Total.Total)
	}
}

// TestLearnerAddClosedAgreesWithAdd: counting closed projects by the last
// completed milestone Derive gives them is the same as feeding each one.
func TestLearnerAddClosedAgreesWithAdd(t *testing.T) {
	defs := genDefs(6)
	defs[2].Active = false // completions of an inactive milestone reach nothing
	e := engine(t, defs, Settings{Now: at(berlin, 2026, 6, 1, 0, 0)})
	ps := genProjects(7, 3000, defs, 5)
	each, counted := NewLearner(e, 0), NewLearner(e, 0)
	type stage struct {
		sold bool
		last int64
	}
	n := map[stage]int{}
	closed := 0
	for i := range ps {
		f := e.Facts(&ps[i])
		each.Add(&ps[i], &f)
		if st := f.State; st == StateSold || st == StateArchived {
			n[stage{st == StateSold, e.Derive(&ps[i]).Last}]++
			closed++
		}
	}
	for s, k := range n {
		counted.AddClosed(s.sold, s.last, k)
	}
	if closed == 0 || len(n) < 4 {
		t.Fatalf("%d closed projects in %d stages: the data tests nothing", closed, len(n))
	}
	if a, b := each.Result(), counted.Result(); !reflect.DeepEqual(a, b) {
		t.Errorf("each project: %+v\ncounted: %+v", a, b)
	}
}
