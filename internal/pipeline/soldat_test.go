package pipeline

import (
	"testing"
	"time"
)

// soldAtDefs is the process of issue 19's example: milestone 3 is inactive,
// 4 is won.
func soldAtDefs() []MilestoneDef {
	return []MilestoneDef{
		{ID: 1, Position: 1, Probability: 10, Active: true},
		{ID: 2, Position: 2, Probability: 50, Qualifying: true, Active: true},
		{ID: 3, Position: 3, Probability: 80, Active: false},
		{ID: 4, Position: 4, Probability: 100, Won: true, Active: true},
	}
}

func utcDay(m time.Month, d int) time.Time { return at(time.UTC, 2026, m, d, 9, 0) }

func TestSoldAtIgnoresInactiveAndUnknownMilestones(t *testing.T) {
	e := engine(t, soldAtDefs(), Settings{Location: time.UTC, Now: utcDay(5, 1)})
	created := utcDay(3, 1)
	tests := []struct {
		name  string
		comps []Completion
		want  time.Time
	}{
		{"latest active completion, not the later inactive one",
			[]Completion{done(2, utcDay(3, 11)), done(3, utcDay(4, 6))}, utcDay(3, 11)},
		{"the inactive completion listed first",
			[]Completion{done(3, utcDay(4, 6)), done(2, utcDay(3, 11))}, utcDay(3, 11)},
		{"an unknown milestone is ignored too",
			[]Completion{done(2, utcDay(3, 11)), done(77, utcDay(4, 20))}, utcDay(3, 11)},
		{"only an inactive completion: creation",
			[]Completion{done(3, utcDay(4, 6))}, created},
		{"no completion: creation", nil, created},
		{"the won completion comes first",
			[]Completion{done(2, utcDay(3, 11)), done(4, utcDay(3, 20)), done(3, utcDay(4, 6))}, utcDay(3, 20)},
	}
	for _, tt := range tests {
		p := Project{ID: 1, State: StateSold, Value: 100, CreatedAt: created, Completions: tt.comps}
		if got := e.Facts(&p).SoldAt; !got.Equal(tt.want) {
			t.Errorf("%s: sold at %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSoldAtExampleReports follows issue 19's example through the reports: a
// sold project created on 1 March, qualified on 11 March, with a completion
// of the inactive milestone on 6 April and none of the won one, is sold on
// 11 March (cycle 10 days, forecast month March, sold in March's funnel),
// beside an open lead that gives the velocity something to multiply.
func TestSoldAtExampleReports(t *testing.T) {
	e := engine(t, soldAtDefs(), Settings{Location: time.UTC, Now: utcDay(5, 1)})
	ps := []Project{
		{ID: 1, OwnerID: 1, State: StateSold, Value: 100, CreatedAt: utcDay(3, 1),
			Completions: []Completion{done(2, utcDay(3, 11)), done(3, utcDay(4, 6))}},
		{ID: 2, OwnerID: 1, State: StateActive, Value: 50, CreatedAt: utcDay(3, 5),
			Completions: []Completion{done(1, utcDay(3, 5))}},
	}
	march, _ := ParsePeriod("2026-03", time.UTC)
	april, _ := ParsePeriod("2026-04", time.UTC)
	fuMarch := NewFunnel(e, FunnelOptions{Period: march})
	fuApril := NewFunnel(e, FunnelOptions{Period: april})
	fc := NewForecast(e, ForecastOptions{})
	meMarch := NewMetrics(e, MetricsOptions{Period: march})
	meApril := NewMetrics(e, MetricsOptions{Period: april})
	b := NewBatch(e, fuMarch, fuApril, fc, meMarch, meApril)
	for i := range ps {
		b.Add(&ps[i])
	}

	if f := fuMarch.Result().Total; f.Created != 2 || f.Sold != 1 || f.Open != 1 || f.SoldInPeriod != 1 ||
		!eqInts(f.Reached, []int{2, 1, 0}) || !eqInts(f.Completed, []int{1, 1, 0}) {
		t.Errorf("March funnel %+v", f)
	}
	if f := fuApril.Result().Total; f.SoldInPeriod != 0 || !eqInts(f.Completed, []int{0, 0, 0}) {
		t.Errorf("April funnel: nothing happened in April, got %+v", f)
	}

	want := []ForecastCell{
		{Month: 0, Count: 1, Weighted: 5, Pipeline: 50},
		{Month: 202603, Count: 1, Weighted: 100, ClosedWon: 100},
	}
	if got := fc.Result().Total.Months; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("forecast months %+v, want %+v", got, want)
	}

	m := meMarch.Result().Total
	if m.Sold != 1 || m.SoldValue != 100 || m.CycleSeconds != 10*86400 || !near(m.AvgCycleDays, 10) ||
		m.AvgDeal != 100 || !near(m.WinRate, 1) || m.Open != 1 {
		t.Errorf("March metrics %+v", m)
	}
	if m.Velocity != 10 { // 1 open × 100 % × 100 cents ÷ 10 days
		t.Errorf("March velocity %d, want 10", m.Velocity)
	}
	if m := meApril.Result().Total; m.Sold != 0 || m.CycleSeconds != 0 || m.Velocity != 0 {
		t.Errorf("April metrics: nothing sold in April, got %+v", m)
	}

	// With only the inactive completion the project is sold when created:
	// on 1 March, a cycle of 0 days.
	ps[0].Completions = []Completion{done(3, utcDay(4, 6))}
	me := NewMetrics(e, MetricsOptions{Period: march})
	fc = NewForecast(e, ForecastOptions{})
	b = NewBatch(e, me, fc)
	b.Add(&ps[0])
	if m := me.Result().Total; m.Sold != 1 || m.CycleSeconds != 0 || m.AvgCycleDays != 0 {
		t.Errorf("sold at creation: March metrics %+v", m)
	}
	if got := fc.Result().Total.Months; len(got) != 1 || got[0].Month != 202603 {
		t.Errorf("sold at creation: forecast months %+v", got)
	}
}
