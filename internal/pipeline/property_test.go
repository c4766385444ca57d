package pipeline

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

type allReports struct {
	Funnel   FunnelReport
	Steps    StepReport
	Pipeline PipelineReport
	Forecast ForecastReport
	Metrics  MetricsReport
	Learned  LearnedReport
}

func runAll(e *Engine, ps []Project, group KeyFunc, period Period) allReports {
	fu := NewFunnel(e, FunnelOptions{Period: period, Group: group})
	st := NewStepTimes(e, StepOptions{Period: period, Group: group, MaxOutliers: 5})
	pl := NewPipeline(e, PipelineOptions{Group: group})
	fc := NewForecast(e, ForecastOptions{Group: group, Quotas: []Quota{
		{Month: MonthKey(2025, 6), Group: 1, Cents: 5_000_000},
		{Month: MonthKey(2025, 6), Group: 2, Cents: 7_000_000},
		{Month: MonthKey(2031, 1), Group: 3, Cents: 1_000}, // a month without projects
	}})
	me := NewMetrics(e, MetricsOptions{Period: period, Group: group})
	le := NewLearner(e, 0)
	b := NewBatch(e, fu, st, pl, fc, me, le)
	for i := range ps {
		b.Add(&ps[i])
	}
	return allReports{fu.Result(), st.Result(), pl.Result(), fc.Result(), me.Result(), le.Result()}
}

// checkFinite fails on any NaN or Inf float anywhere in v.
func checkFinite(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			t.Errorf("%s = %v", path, f)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				checkFinite(t, v.Field(i), path+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			checkFinite(t, v.Index(i), path+"[]")
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkFinite(t, v.Elem(), path)
		}
	}
}

func shuffled(ps []Project, seed uint64) []Project {
	out := append([]Project(nil), ps...)
	r := rand.New(rand.NewPCG(seed, 1))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func propertyCases(t *testing.T) []struct {
	name   string
	e      *Engine
	ps     []Project
	period Period
} {
	var cases []struct {
		name   string
		e      *Engine
		ps     []Project
		period Period
	}
	for i, n := range []int{2, 4, 6} {
		defs := genDefs(n)
		for j, loc := range []*time.Location{time.UTC, berlin} {
			e := engine(t, defs, Settings{Location: loc, Now: genNow, StagnantDays: 14})
			ps := genProjects(uint64(10*i+j+1), 3000, defs, 7)
			year, _ := ParsePeriod("2025", loc)
			q2, _ := ParsePeriod("2025-Q2", loc)
			cases = append(cases,
				struct {
					name   string
					e      *Engine
					ps     []Project
					period Period
				}{"all time", e, ps, Period{}},
				struct {
					name   string
					e      *Engine
					ps     []Project
					period Period
				}{"2025", e, ps, year},
				struct {
					name   string
					e      *Engine
					ps     []Project
					period Period
				}{"2025-Q2", e, ps, q2})
		}
	}
	return cases
}

func TestPropertyGroupsSumToTotal(t *testing.T) {
	for _, c := range propertyCases(t) {
		whole := runAll(c.e, c.ps, nil, c.period)
		custom := func(p *Project, f *Facts) Key { return Key(p.Value % 3) } // any caller key
		for _, group := range []KeyFunc{c.e.KeyFunc(ByOwner), c.e.KeyFunc(ByCreatedMonth),
			c.e.KeyFunc(ByPendingMilestone), c.e.KeyFunc(ByState), custom} {
			g := runAll(c.e, c.ps, group, c.period)
			if len(g.Funnel.Groups) < 2 && len(c.ps) > 0 {
				t.Fatalf("%s: grouping gave %d groups", c.name, len(g.Funnel.Groups))
			}
			checkFunnelSum(t, c.name, g.Funnel, whole.Funnel.Total)
			checkStepsSum(t, c.name, g.Steps, whole.Steps.Total)
			checkPipelineSum(t, c.name, g.Pipeline, whole.Pipeline.Total)
			checkMetricsSum(t, c.name, g.Metrics, whole.Metrics.Total)
			checkForecastSum(t, c.name, g.Forecast)
			if !reflect.DeepEqual(g.Learned, whole.Learned) {
				t.Errorf("%s: learned depends on grouping", c.name)
			}
		}
	}
}

func checkFunnelSum(t *testing.T, name string, r FunnelReport, whole FunnelRow) {
	t.Helper()
	var sum FunnelRow
	sum.Reached = make([]int, len(whole.Reached))
	sum.Completed = make([]int, len(whole.Completed))
	sum.LostAt = make([]int, len(whole.LostAt))
	reasons := map[int64]int{}
	for _, g := range r.Groups {
		sum.Created += g.Created
		sum.Qualified += g.Qualified
		sum.ArchivedUnqualified += g.ArchivedUnqualified
		sum.ArchivedQualified += g.ArchivedQualified
		sum.Deferred += g.Deferred
		sum.Open += g.Open
		sum.Sold += g.Sold
		sum.Untriaged += g.Untriaged
		sum.LostBeforeFirst += g.LostBeforeFirst
		sum.ArchivedInPeriod += g.ArchivedInPeriod
		sum.SoldInPeriod += g.SoldInPeriod
		for i := range g.Reached {
			sum.Reached[i] += g.Reached[i]
			sum.Completed[i] += g.Completed[i]
			sum.LostAt[i] += g.LostAt[i]
		}
		for _, rc := range g.ArchivedByReason {
			reasons[rc.ReasonID] += rc.Count
		}
	}
	for _, row := range []FunnelRow{r.Total, whole} {
		if sum.Created != row.Created || sum.Qualified != row.Qualified || sum.Sold != row.Sold ||
			sum.ArchivedUnqualified != row.ArchivedUnqualified || sum.ArchivedQualified != row.ArchivedQualified ||
			sum.Deferred != row.Deferred || sum.Open != row.Open || sum.Untriaged != row.Untriaged ||
			sum.LostBeforeFirst != row.LostBeforeFirst || sum.ArchivedInPeriod != row.ArchivedInPeriod ||
			sum.SoldInPeriod != row.SoldInPeriod ||
			!reflect.DeepEqual(sum.Reached, row.Reached) || !reflect.DeepEqual(sum.Completed, row.Completed) ||
			!reflect.DeepEqual(sum.LostAt, row.LostAt) {
			t.Errorf("%s: funnel Σ groups %+v != total %+v", name, sum, row)
		}
		got := map[int64]int{}
		for _, rc := range row.ArchivedByReason {
			got[rc.ReasonID] = rc.Count
		}
		if !reflect.DeepEqual(got, reasons) && len(reasons)+len(got) > 0 {
			t.Errorf("%s: reasons Σ %v != %v", name, reasons, got)
		}
	}
}

func checkStepsSum(t *testing.T, name string, r StepReport, whole StepRow) {
	t.Helper()
	if !reflect.DeepEqual(r.Total, whole) {
		t.Errorf("%s: grouped step total %+v != ungrouped %+v", name, r.Total, whole)
	}
	for i := range r.Steps {
		count, ooo := 0, 0
		var maxD time.Duration
		for _, g := range r.Groups {
			count += g.Steps[i].Count
			ooo += g.Steps[i].OutOfOrder
			maxD = max(maxD, g.Steps[i].Max)
		}
		if count != whole.Steps[i].Count || ooo != whole.Steps[i].OutOfOrder || maxD != whole.Steps[i].Max {
			t.Errorf("%s: step %d Σ count %d ooo %d max %v, total %+v", name, i, count, ooo, maxD, whole.Steps[i])
		}
	}
}

func checkPipelineSum(t *testing.T, name string, r PipelineReport, whole PipelineRow) {
	t.Helper()
	var sum StageRow
	stages := make([]StageRow, len(whole.Stages))
	for _, g := range r.Groups {
		sum.add(&g.Total)
		for i := range g.Stages {
			stages[i].add(&g.Stages[i])
			stages[i].MilestoneID = g.Stages[i].MilestoneID
		}
	}
	if sum != whole.Total || sum != r.Total.Total || !reflect.DeepEqual(stages, whole.Stages) {
		t.Errorf("%s: pipeline Σ %+v != total %+v", name, sum, whole.Total)
	}
}

func checkMetricsSum(t *testing.T, name string, r MetricsReport, whole MetricsRow) {
	t.Helper()
	var s MetricsRow
	for _, g := range r.Groups {
		s.Sold += g.Sold
		s.SoldValue += g.SoldValue
		s.CycleSeconds += g.CycleSeconds
		s.LostQualified += g.LostQualified
		s.Created += g.Created
		s.Qualified += g.Qualified
		s.Touched += g.Touched
		s.Open += g.Open
		s.OpenValue += g.OpenValue
	}
	w := whole
	if s.Sold != w.Sold || s.SoldValue != w.SoldValue || s.CycleSeconds != w.CycleSeconds ||
		s.LostQualified != w.LostQualified || s.Created != w.Created || s.Qualified != w.Qualified ||
		s.Touched != w.Touched || s.Open != w.Open || s.OpenValue != w.OpenValue {
		t.Errorf("%s: metrics Σ %+v != total %+v", name, s, w)
	}
	if !reflect.DeepEqual(r.Total, whole) {
		t.Errorf("%s: grouped metrics total %+v != ungrouped %+v", name, r.Total, whole)
	}
}

func checkForecastSum(t *testing.T, name string, r ForecastReport) {
	t.Helper()
	months := map[Key]ForecastCell{}
	var all ForecastCell
	for _, g := range r.Groups {
		for _, c := range g.Months {
			m := months[c.Month]
			m.Month = c.Month
			m.add(&c)
			months[c.Month] = m
		}
		all.add(&g.Total)
	}
	if len(months) != len(r.Total.Months) || all != r.Total.Total {
		t.Errorf("%s: forecast Σ %+v != total %+v", name, all, r.Total.Total)
	}
	for _, c := range r.Total.Months {
		if months[c.Month] != c {
			t.Errorf("%s: forecast month %d Σ %+v != %+v", name, c.Month, months[c.Month], c)
		}
	}
}

func TestPropertyUngroupedForecastMatchesGrouped(t *testing.T) {
	// Without grouping every quota of a month counts, so the totals match.
	for _, c := range propertyCases(t)[:3] {
		whole := runAll(c.e, c.ps, nil, c.period).Forecast.Total
		g := runAll(c.e, c.ps, c.e.KeyFunc(ByOwner), c.period).Forecast.Total
		if !reflect.DeepEqual(whole, g) {
			t.Errorf("%s: forecast ungrouped %+v != grouped %+v", c.name, whole.Total, g.Total)
		}
	}
}

func TestPropertyFunnelAndRates(t *testing.T) {
	for _, c := range propertyCases(t) {
		r := runAll(c.e, c.ps, c.e.KeyFunc(ByOwner), c.period)
		checkFinite(t, reflect.ValueOf(r), c.name)
		for i := range c.ps {
			f := c.e.Facts(&c.ps[i])
			if f.Weighted < 0 || f.Weighted > f.Value || f.Probability < 0 || f.Probability > ProbOne ||
				f.DaysLate < 0 || (f.Late && f.State != StateActive) || (f.Stagnant && f.State != StateActive) ||
				f.LateMilestone && !f.HasDue {
				t.Fatalf("%s: project %d facts %+v", c.name, c.ps[i].ID, f)
			}
		}
		for _, row := range append(r.Funnel.Groups, r.Funnel.Total) {
			for i := range row.Reached {
				if row.Reached[i] > row.Created || (i > 0 && row.Reached[i] > row.Reached[i-1]) {
					t.Errorf("%s: funnel grows: created %d reached %v", c.name, row.Created, row.Reached)
				}
			}
			if row.Untriaged < 0 || row.Qualified+row.ArchivedUnqualified+row.Untriaged != row.Created {
				t.Errorf("%s: triage does not add up: %+v", c.name, row)
			}
			for _, x := range append(append([]float64{row.LeadToQualified}, row.Conversion...), row.ActivityConversion...) {
				if x < 0 || x > 1 {
					t.Errorf("%s: conversion %v out of [0,1]", c.name, x)
				}
			}
		}
		for _, row := range append(r.Pipeline.Groups, r.Pipeline.Total) {
			for _, s := range append(row.Stages, row.Total) {
				if s.Weighted > s.Value || s.Weighted < 0 || s.Probability() < 0 || s.Probability() > 1 {
					t.Errorf("%s: stage %+v", c.name, s)
				}
			}
		}
		for _, row := range append(r.Metrics.Groups, r.Metrics.Total) {
			if row.WinRate < 0 || row.WinRate > 1 || row.LeadToQualified < 0 || row.LeadToQualified > 1 {
				t.Errorf("%s: rates %+v", c.name, row)
			}
		}
		for _, row := range append(r.Forecast.Groups, r.Forecast.Total) {
			for _, m := range row.Months {
				if m.Weighted > m.Pipeline+m.BestCase+m.Commit+m.ClosedWon {
					t.Errorf("%s: forecast weighted above value %+v", c.name, m)
				}
			}
		}
		for _, s := range r.Learned.Stages {
			if s.Learned < 0 || s.Learned > ProbOne || s.Raw < 0 || s.Raw > 1 {
				t.Errorf("%s: learned %+v", c.name, s)
			}
		}
	}
}

func TestPropertyWeightedNeverAboveValue(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 100000; i++ {
		v := r.Int64()
		if i%3 == 0 {
			v = r.Int64N(1_000_000)
		}
		p := Prob(r.IntN(12000) - 1000)
		w := WeightedValue(v, p)
		if w < 0 || w > v && v > 0 || (v <= 0 && w != 0) {
			t.Fatalf("WeightedValue(%d, %d) = %d", v, p, w)
		}
		// Exact: compare with big-free arithmetic for small values.
		if v >= 0 && v < 1<<40 && p >= 0 && p <= ProbOne {
			if want := (v*int64(p) + 5000) / 10000; w != want {
				t.Fatalf("WeightedValue(%d, %d) = %d, want %d", v, p, w, want)
			}
		}
	}
}

func TestPropertyOrderIndependent(t *testing.T) {
	for _, c := range propertyCases(t)[:6] {
		group := c.e.KeyFunc(ByOwner)
		a := runAll(c.e, c.ps, group, c.period)
		b := runAll(c.e, shuffled(c.ps, 99), group, c.period)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: result depends on feeding order", c.name)
		}
	}
}

func TestNoDataNoNaN(t *testing.T) {
	for _, n := range []int{0, 1, 2, 6} {
		e := engine(t, genDefs(max(n, 1))[:n], Settings{Location: berlin, Now: genNow, StagnantDays: 5})
		empty, _ := ParsePeriod("1999-01", berlin)
		for _, ps := range [][]Project{nil, genProjects(3, 200, genDefs(max(n, 1))[:n], 3)} {
			for _, group := range []KeyFunc{nil, e.KeyFunc(ByOwner)} {
				r := runAll(e, ps, group, empty)
				checkFinite(t, reflect.ValueOf(r), "empty period")
				if r.Funnel.Total.Created != 0 || r.Metrics.Total.Sold != 0 || r.Metrics.Total.WinRate != 0 ||
					r.Metrics.Total.Velocity != 0 || r.Steps.Total.Steps[0].Count != 0 {
					t.Errorf("period without data is not empty: %+v", r.Metrics.Total)
				}
				if _, ok := r.Metrics.Total.DealsNeeded(1000); ok {
					t.Errorf("deals needed without a win rate should be undefined")
				}
			}
		}
	}
}
