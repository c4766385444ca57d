package pipeline

import (
	"testing"
	"time"
)

func TestNewEngineOrdersAndFilters(t *testing.T) {
	e := engine(t, defaultDefs(), Settings{})
	var got []int64
	for _, m := range e.Milestones() {
		got = append(got, m.ID)
	}
	want := []int64{mCreated, mQualified, mProposed, mSold}
	if len(got) != len(want) {
		t.Fatalf("milestones %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("milestones %v, want %v", got, want)
		}
	}
	if e.Location() != time.UTC {
		t.Errorf("nil location should be UTC")
	}
	many := make([]MilestoneDef, MaxMilestones+1)
	for i := range many {
		many[i] = MilestoneDef{ID: int64(i + 1), Position: i, Active: true}
	}
	if _, err := NewEngine(many, Settings{}); err == nil {
		t.Errorf("too many milestones accepted")
	}
	if _, err := NewEngine([]MilestoneDef{{ID: 1, Active: true}, {ID: 1, Active: true}}, Settings{}); err == nil {
		t.Errorf("duplicate milestone accepted")
	}
}

func TestEffectiveState(t *testing.T) {
	now := at(berlin, 2026, 3, 10, 12, 0)
	tests := []struct {
		name string
		p    Project
		want State
	}{
		{"zero state is active", Project{}, StateActive},
		{"active", Project{State: StateActive}, StateActive},
		{"deferred without date stays deferred", Project{State: StateDeferred}, StateDeferred},
		{"deferred until later", Project{State: StateDeferred, DeferUntil: now.Add(time.Second)}, StateDeferred},
		{"deferred until now is active", Project{State: StateDeferred, DeferUntil: now}, StateActive},
		{"deferred until past is active", Project{State: StateDeferred, DeferUntil: now.Add(-time.Hour)}, StateActive},
		{"archived", Project{State: StateArchived, DeferUntil: now.Add(-time.Hour)}, StateArchived},
		{"sold", Project{State: StateSold}, StateSold},
	}
	for _, tt := range tests {
		if got := EffectiveState(&tt.p, now); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestEvaluatePendingDueAndLate(t *testing.T) {
	created := at(berlin, 2026, 3, 10, 9, 0)
	lead := []Completion{done(mCreated, created)}
	tests := []struct {
		name         string
		now          time.Time
		p            Project
		pending      int64 // 0: none
		due          time.Time
		late         bool
		daysLate     int
		lastDone     int
		qualified    bool
		probPct      int
		lateMilstone bool
	}{
		{
			name:    "qualification due two days after lead created, on time at 23:59 local",
			now:     at(berlin, 2026, 3, 12, 23, 59),
			p:       Project{State: StateActive, CreatedAt: created, Completions: lead, Value: 1000},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), lastDone: 0, probPct: 10,
		},
		{
			name:    "late at 00:01 the next local day",
			now:     at(berlin, 2026, 3, 13, 0, 1),
			p:       Project{State: StateActive, CreatedAt: created, Completions: lead},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), late: true, daysLate: 1, lastDone: 0,
			probPct: 10, lateMilstone: true,
		},
		{
			name:    "late by the tenant's clock although not yet by UTC's",
			now:     time.Date(2026, 3, 12, 23, 30, 0, 0, time.UTC), // 00:30 on the 13th in Berlin
			p:       Project{State: StateActive, CreatedAt: created, Completions: lead},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), late: true, daysLate: 1, lastDone: 0,
			probPct: 10, lateMilstone: true,
		},
		{
			name: "proposal deadline counts from qualification",
			now:  at(berlin, 2026, 3, 25, 10, 0),
			p: Project{State: StateActive, CreatedAt: created, Completions: []Completion{
				done(mCreated, created), done(mQualified, at(berlin, 2026, 3, 20, 17, 0))}},
			pending: mProposed, due: at(berlin, 2026, 3, 27, 0, 0), lastDone: 1, qualified: true, probPct: 20,
		},
		{
			name: "sold milestone counts from creation",
			now:  at(berlin, 2026, 5, 20, 10, 0),
			p: Project{State: StateActive, CreatedAt: created, Completions: []Completion{
				done(mCreated, created), done(mQualified, created), done(mProposed, at(berlin, 2026, 5, 15, 9, 0))}},
			pending: mSold, due: at(berlin, 2026, 5, 9, 0, 0), late: true, daysLate: 11, lastDone: 2,
			qualified: true, probPct: 50, lateMilstone: true,
		},
		{
			name: "completed out of order: proposed without qualified",
			now:  at(berlin, 2026, 3, 11, 10, 0),
			p: Project{State: StateActive, CreatedAt: created, Completions: []Completion{
				done(mProposed, at(berlin, 2026, 3, 11, 9, 0)), done(mCreated, created)}},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), lastDone: 2, qualified: true, probPct: 50,
		},
		{
			name:    "undone milestone is simply absent; no completion at all",
			now:     at(berlin, 2026, 3, 11, 10, 0),
			p:       Project{State: StateActive, CreatedAt: created},
			pending: mCreated, lastDone: -1, probPct: 0,
		},
		{
			name:    "completion of an inactive or unknown milestone is ignored",
			now:     at(berlin, 2026, 3, 11, 10, 0),
			p:       Project{State: StateActive, CreatedAt: created, Completions: []Completion{done(99, created), done(12345, created)}},
			pending: mCreated, lastDone: -1,
		},
		{
			name: "deferred project is never late",
			now:  at(berlin, 2026, 4, 30, 10, 0),
			p: Project{State: StateDeferred, CreatedAt: created, Completions: lead,
				DeferUntil: at(berlin, 2026, 5, 1, 0, 0)},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), lastDone: 0, probPct: 10,
		},
		{
			name: "deferred then reactivated by date: deadline counts from the defer-until day",
			now:  at(berlin, 2026, 5, 3, 10, 0),
			p: Project{State: StateDeferred, CreatedAt: created, Completions: lead,
				DeferUntil: at(berlin, 2026, 5, 1, 0, 0)},
			pending: mQualified, due: at(berlin, 2026, 5, 3, 0, 0), lastDone: 0, probPct: 10,
		},
		{
			name: "deferred then reactivated by hand: deadline counts from resuming",
			now:  at(berlin, 2026, 4, 25, 10, 0),
			p: Project{State: StateActive, CreatedAt: created, Completions: lead,
				ResumedAt: at(berlin, 2026, 4, 20, 15, 0)},
			pending: mQualified, due: at(berlin, 2026, 4, 22, 0, 0), late: true, daysLate: 3, lastDone: 0,
			probPct: 10, lateMilstone: true,
		},
		{
			name: "archived before qualification",
			now:  at(berlin, 2026, 4, 25, 10, 0),
			p: Project{State: StateArchived, CreatedAt: created, Completions: lead, Value: 5000,
				ArchivedAt: at(berlin, 2026, 3, 11, 10, 0)},
			pending: mQualified, lastDone: 0, probPct: 0,
		},
		{
			name: "archived after qualification: a pending milestone but no due date",
			now:  at(berlin, 2026, 4, 25, 10, 0),
			p: Project{State: StateArchived, CreatedAt: created, Value: 5000, Completions: []Completion{
				done(mCreated, created), done(mQualified, created)}},
			pending: mProposed, lastDone: 1, qualified: true, probPct: 0,
		},
		{
			name: "sold is certain and has nothing pending",
			now:  at(berlin, 2026, 4, 25, 10, 0),
			p: Project{State: StateSold, CreatedAt: created, Value: 5000, Completions: []Completion{
				done(mCreated, created), done(mQualified, created), done(mProposed, created), done(mSold, created)}},
			lastDone: 3, qualified: true, probPct: 100,
		},
		{
			name: "override wins over the stage",
			now:  at(berlin, 2026, 3, 11, 10, 0),
			p: Project{State: StateActive, CreatedAt: created, Completions: lead, HasOverride: true,
				ProbabilityOverride: 80},
			pending: mQualified, due: at(berlin, 2026, 3, 12, 0, 0), lastDone: 0, probPct: 80,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engine(t, defaultDefs(), Settings{Location: berlin, Now: tt.now})
			f := e.Facts(&tt.p)
			var pending int64
			if f.Pending >= 0 {
				pending = e.ids[f.Pending]
			}
			if pending != tt.pending {
				t.Errorf("pending %d, want %d", pending, tt.pending)
			}
			if f.HasDue != !tt.due.IsZero() || !f.PendingDue.Equal(tt.due) {
				t.Errorf("due %v (has %v), want %v", f.PendingDue, f.HasDue, tt.due)
			}
			if f.Late != tt.late || f.DaysLate != tt.daysLate || f.LateMilestone != tt.lateMilstone {
				t.Errorf("late %v/%v by %d, want %v/%v by %d", f.Late, f.LateMilestone, f.DaysLate,
					tt.late, tt.lateMilstone, tt.daysLate)
			}
			if f.LastDone != tt.lastDone || f.Qualified != tt.qualified {
				t.Errorf("last done %d qualified %v, want %d %v", f.LastDone, f.Qualified, tt.lastDone, tt.qualified)
			}
			if f.Probability != PercentProb(tt.probPct) {
				t.Errorf("probability %d, want %d%%", f.Probability, tt.probPct)
			}
			if f.Weighted > f.Value || f.Weighted != WeightedValue(f.Value, f.Probability) {
				t.Errorf("weighted %d of value %d", f.Weighted, f.Value)
			}
		})
	}
}

func TestDaylightSaving(t *testing.T) {
	// Berlin springs forward on 2026-03-29 (23 h day) and falls back on
	// 2026-10-25 (25 h day); due dates and days late count calendar days.
	tests := []struct {
		name     string
		created  time.Time
		now      time.Time
		late     bool
		daysLate int
		due      time.Time
	}{
		{"due on the short day, on time at its last minute", at(berlin, 2026, 3, 27, 23, 30),
			at(berlin, 2026, 3, 29, 23, 59), false, 0, at(berlin, 2026, 3, 29, 0, 0)},
		{"due on the short day, late just after midnight", at(berlin, 2026, 3, 27, 23, 30),
			at(berlin, 2026, 3, 30, 0, 1), true, 1, at(berlin, 2026, 3, 29, 0, 0)},
		{"days late across spring forward", at(berlin, 2026, 3, 26, 0, 30),
			at(berlin, 2026, 4, 2, 0, 30), true, 5, at(berlin, 2026, 3, 28, 0, 0)},
		{"due on the long day, on time at 23:59", at(berlin, 2026, 10, 23, 1, 0),
			at(berlin, 2026, 10, 25, 23, 59), false, 0, at(berlin, 2026, 10, 25, 0, 0)},
		{"due on the long day, late at 00:01", at(berlin, 2026, 10, 23, 1, 0),
			at(berlin, 2026, 10, 26, 0, 1), true, 1, at(berlin, 2026, 10, 25, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := engine(t, defaultDefs(), Settings{Location: berlin, Now: tt.now})
			p := Project{CreatedAt: tt.created, Completions: []Completion{done(mCreated, tt.created)}}
			f := e.Facts(&p)
			if f.Late != tt.late || f.DaysLate != tt.daysLate || !f.PendingDue.Equal(tt.due) {
				t.Errorf("late %v by %d due %v; want %v by %d due %v", f.Late, f.DaysLate, f.PendingDue,
					tt.late, tt.daysLate, tt.due)
			}
		})
	}
}

func TestLateItems(t *testing.T) {
	created := at(newYork, 2026, 3, 1, 9, 0)
	items := []DueItem{
		{ID: 1, Kind: Subtask, Due: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), AllDay: true}, // date: 10 March
		{ID: 2, Kind: Event, Due: at(newYork, 2026, 3, 10, 23, 30)},
		{ID: 3, Kind: Event, Due: at(newYork, 2026, 3, 11, 9, 0)},
	}
	tests := []struct {
		name     string
		now      time.Time
		lateIDs  []int64
		daysLate []int
	}{
		{"23:29 local: nothing late", at(newYork, 2026, 3, 10, 23, 29), nil, nil},
		{"23:59 local: the timed event is late, the due date is not", at(newYork, 2026, 3, 10, 23, 59), []int64{2}, []int{0}},
		{"00:01 next day: the due date is late by a day", at(newYork, 2026, 3, 11, 0, 1), []int64{1, 2}, []int{1, 1}},
		{"after a DST change (8 March)", at(newYork, 2026, 3, 12, 12, 0), []int64{1, 2, 3}, []int{2, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A process without deadlines: only items can be late.
			e := engine(t, []MilestoneDef{{ID: 1, Position: 1, Active: true}}, Settings{Location: newYork, Now: tt.now})
			p := Project{ID: 7, CreatedAt: created, Items: items}
			got := e.LateItems(&p, nil)
			if len(got) != len(tt.lateIDs) {
				t.Fatalf("late items %+v, want ids %v", got, tt.lateIDs)
			}
			maxDays := 0
			for i, li := range got {
				if li.ID != tt.lateIDs[i] || li.DaysLate != tt.daysLate[i] || li.ProjectID != 7 {
					t.Errorf("item %d: %+v, want id %d days %d", i, li, tt.lateIDs[i], tt.daysLate[i])
				}
				maxDays = max(maxDays, li.DaysLate)
			}
			f := e.Facts(&p)
			if f.Late != (len(got) > 0) || f.LateItems != len(got) || f.DaysLate != maxDays || f.LateMilestone {
				t.Errorf("facts late %v items %d days %d; want %v %d %d", f.Late, f.LateItems, f.DaysLate,
					len(got) > 0, len(got), maxDays)
			}
			p.State = StateArchived
			if got := e.LateItems(&p, nil); len(got) != 0 {
				t.Errorf("archived project has late items %v", got)
			}
		})
	}
	// The pending milestone is listed first.
	e := engine(t, defaultDefs(), Settings{Location: newYork, Now: at(newYork, 2026, 3, 12, 12, 0)})
	p := Project{ID: 8, CreatedAt: created, Completions: []Completion{done(mCreated, created)}, Items: items[:1]}
	got := e.LateItems(&p, nil)
	if len(got) != 2 || got[0].Kind != LateMilestoneDue || got[0].ID != mQualified || got[0].DaysLate != 9 ||
		got[1].Kind != LateSubtask {
		t.Errorf("late items %+v", got)
	}
}

func TestStagnant(t *testing.T) {
	created := at(berlin, 2026, 3, 1, 9, 0)
	tests := []struct {
		name     string
		days     int
		state    State
		activity time.Time
		now      time.Time
		want     bool
	}{
		{"off", 0, StateActive, time.Time{}, at(berlin, 2026, 6, 1, 0, 0), false},
		{"counts from creation without activity", 14, StateActive, time.Time{}, at(berlin, 2026, 3, 15, 0, 0), true},
		{"13 local days is not stagnant", 14, StateActive, time.Time{}, at(berlin, 2026, 3, 14, 23, 59), false},
		{"recent activity", 14, StateActive, at(berlin, 2026, 3, 10, 9, 0), at(berlin, 2026, 3, 23, 23, 0), false},
		{"old activity", 14, StateActive, at(berlin, 2026, 3, 10, 9, 0), at(berlin, 2026, 3, 24, 0, 0), true},
		{"deferred projects are not stagnant", 14, StateDeferred, time.Time{}, at(berlin, 2026, 6, 1, 0, 0), false},
		{"sold projects are not stagnant", 14, StateSold, time.Time{}, at(berlin, 2026, 6, 1, 0, 0), false},
	}
	for _, tt := range tests {
		e := engine(t, defaultDefs(), Settings{Location: berlin, Now: tt.now, StagnantDays: tt.days})
		p := Project{State: tt.state, CreatedAt: created, LastActivityAt: tt.activity}
		if got := e.Facts(&p).Stagnant; got != tt.want {
			t.Errorf("%s: stagnant %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestStageProbabilityOrder(t *testing.T) {
	now := at(berlin, 2026, 3, 11, 10, 0)
	p := Project{CreatedAt: now, Value: 10001, Completions: []Completion{done(mCreated, now), done(mQualified, now)}}
	learned := map[int64]Prob{mQualified: 3333}
	tests := []struct {
		name     string
		s        Settings
		override bool
		want     Prob
	}{
		{"configured", Settings{Learned: learned}, false, 2000},
		{"learned when opted in", Settings{UseLearned: true, Learned: learned}, false, 3333},
		{"configured when learned has no value for the stage", Settings{UseLearned: true, Learned: map[int64]Prob{mProposed: 1}}, false, 2000},
		{"override beats learned", Settings{UseLearned: true, Learned: learned}, true, 9000},
	}
	for _, tt := range tests {
		tt.s.Now = now
		e := engine(t, defaultDefs(), tt.s)
		q := p
		q.HasOverride, q.ProbabilityOverride = tt.override, 90
		f := e.Facts(&q)
		if f.Probability != tt.want {
			t.Errorf("%s: probability %d, want %d", tt.name, f.Probability, tt.want)
		}
		if f.Weighted != WeightedValue(10001, tt.want) {
			t.Errorf("%s: weighted %d", tt.name, f.Weighted)
		}
		if got := e.StageProbability(mQualified); !tt.override && got != tt.want {
			t.Errorf("%s: StageProbability %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestTwoMilestoneTenant(t *testing.T) {
	defs := []MilestoneDef{
		{ID: 1, Position: 1, DeadlineDays: 3, Probability: 30, Qualifying: true, Active: true},
		{ID: 2, Position: 2, DeadlineDays: 10, Probability: 100, Won: true, Active: true},
	}
	created := at(berlin, 2026, 3, 1, 9, 0)
	e := engine(t, defs, Settings{Location: berlin, Now: at(berlin, 2026, 3, 5, 9, 0)})
	p := Project{CreatedAt: created, Value: 999}
	f := e.Facts(&p)
	if f.Pending != 0 || !f.Late || f.DaysLate != 1 || f.Qualified || f.Probability != 0 || f.Weighted != 0 {
		t.Errorf("new lead: %+v", f)
	}
	p.Completions = []Completion{done(1, at(berlin, 2026, 3, 2, 9, 0))}
	f = e.Facts(&p)
	if f.Pending != 1 || f.Late || !f.Qualified || f.Probability != 3000 || f.Weighted != 300 {
		t.Errorf("qualified: %+v", f)
	}
}

func TestWeightedValue(t *testing.T) {
	tests := []struct {
		value int64
		p     Prob
		want  int64
	}{
		{0, 5000, 0},
		{-500, 5000, 0},
		{1, 5000, 1},        // 0.5 cent rounds up
		{1, 4999, 0},        // 0.4999 cent rounds down
		{3, 3333, 1},        // 0.9999
		{12345, 2500, 3086}, // 3086.25
		{12345, ProbOne, 12345},
		{12345, 0, 0},
		{12345, -7, 0},
		{12345, 20000, 12345},
		{1<<63 - 1, ProbOne, 1<<63 - 1},
		{1<<63 - 1, 5000, 4611686018427387904},
	}
	for _, tt := range tests {
		if got := WeightedValue(tt.value, tt.p); got != tt.want {
			t.Errorf("WeightedValue(%d, %d) = %d, want %d", tt.value, tt.p, got, tt.want)
		}
	}
}

func TestFactsHelpers(t *testing.T) {
	created := at(berlin, 2026, 3, 1, 9, 0)
	e := engine(t, defaultDefs(), Settings{Location: berlin, Now: created})
	f := e.Facts(&Project{CreatedAt: created, Completions: []Completion{done(mCreated, created)}})
	if got, ok := f.CompletedAt(0); !ok || !got.Equal(created) {
		t.Errorf("CompletedAt(0) = %v %v", got, ok)
	}
	for _, i := range []int{-1, 1, MaxMilestones, 99} {
		if _, ok := f.CompletedAt(i); ok {
			t.Errorf("CompletedAt(%d) reported completed", i)
		}
	}
	if e.MilestoneID(f.LastDone) != mCreated || e.MilestoneID(f.Pending) != mQualified || e.MilestoneID(-1) != 0 || e.MilestoneID(4) != 0 {
		t.Errorf("MilestoneID mapping")
	}
}
