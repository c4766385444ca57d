package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestDerivedAgreesWithFacts: what a project's derived facts say at a
// moment (Derived.At and the stored instants) is what Evaluate says at that
// moment, for random projects in every state and around every instant at
// which something changes (a deferred project's return, its milestone's and
// items' first late instant, local midnights), in zones with and without
// daylight saving.
func TestDerivedAgreesWithFacts(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	la, _ := time.LoadLocation("America/Los_Angeles")
	auckland, _ := time.LoadLocation("Pacific/Auckland")
	for _, loc := range []*time.Location{time.UTC, berlin, la, auckland} {
		for _, n := range []int{1, 3, 6} {
			defs := genDefs(n)
			ps := genProjects(uint64(n)*31+uint64(len(loc.String())), 1500, defs, 7)
			r := rand.New(rand.NewPCG(uint64(n), 5))
			for i := range ps {
				p := &ps[i]
				if p.State == StateDeferred {
					// Deferred until the start of a local day, as callers pass it.
					y, m, d := p.DeferUntil.In(loc).Date()
					p.DeferUntil = DayStart(y, m, d, loc)
					if r.IntN(4) == 0 {
						p.ResumedAt = p.CreatedAt.Add(time.Duration(r.Int64N(90*86400)) * time.Second)
					}
				}
			}
			build := genNow // the engine that derives: its moment does not matter
			ed, err := NewEngine(defs, Settings{Location: loc, Now: build})
			if err != nil {
				t.Fatal(err)
			}
			for i := range ps {
				p := &ps[i]
				d := ed.Derive(p)
				var moments []time.Time
				for _, x := range []time.Time{d.BackAt, d.LateFrom, d.MilestoneLateFrom, d.Due, d.DeferredDue, d.ItemLateFrom} {
					if !x.IsZero() {
						moments = append(moments, x, x.Add(-time.Microsecond), x.Add(time.Microsecond))
					}
				}
				for _, it := range p.Items {
					moments = append(moments, it.Due, it.Due.Add(time.Microsecond))
				}
				moments = append(moments, p.CreatedAt.Add(time.Duration(r.Int64N(400*86400))*time.Second))
				for _, now := range moments {
					e, err := NewEngine(defs, Settings{Location: loc, Now: now})
					if err != nil {
						t.Fatal(err)
					}
					f := e.Facts(p)
					m := d.At(now)
					due := time.Time{}
					if f.HasDue {
						due = f.PendingDue
					}
					if m.State != f.State || !m.Due.Equal(due) || m.Late != f.Late || m.LateMilestone != f.LateMilestone {
						t.Fatalf("%s, %d milestones, project %d (%v) at %v: derived %+v; facts state %v due %v late %v/%v (derived %+v)",
							loc, n, p.ID, p.State, now, m, f.State, due, f.Late, f.LateMilestone, d)
					}
					if m.LateItem != (f.LateItems > 0) {
						t.Fatalf("project %d at %v: derived item late %v, facts %d late items", p.ID, now, m.LateItem, f.LateItems)
					}
					if m.LateItem {
						most := -1
						for _, li := range e.LateItems(p, nil) {
							if li.Kind != LateMilestoneDue && li.DaysLate > most {
								most = li.DaysLate
							}
						}
						if got := CalendarDays(m.ItemDue, now, loc); got != most {
							t.Fatalf("project %d at %v: derived item %d days late, facts %d", p.ID, now, got, most)
						}
					}
					if d.Pending != e.MilestoneID(f.Pending) || d.Last != e.MilestoneID(f.LastDone) || d.Value != f.Value {
						t.Fatalf("project %d: derived pending/last/value %d/%d/%d, facts %d/%d/%d", p.ID, d.Pending, d.Last, d.Value,
							e.MilestoneID(f.Pending), e.MilestoneID(f.LastDone), f.Value)
					}
					if at, ok := f.CompletedAt(f.LastDone); ok != !d.LastAt.IsZero() || !at.Equal(d.LastAt) {
						t.Fatalf("project %d: derived last at %v, facts %v", p.ID, d.LastAt, at)
					}
					// Days in stage counted from the stored date are the
					// calendar days from the stage's start; a sold
					// project's cycle runs from creation to SoldAt.
					since := p.CreatedAt
					if d.LastAt.After(since) {
						since = d.LastAt
					}
					if got, want := e.DaysSinceDay(d.StageDay), e.DaysSince(since); got != want {
						t.Fatalf("%s project %d at %v: days in stage from stage day %v = %d, want %d", loc, p.ID, now, d.StageDay, got, want)
					}
					if want := int64(0); f.State == StateSold {
						want = max(f.SoldAt.Unix()-p.CreatedAt.Unix(), 0)
						if d.CycleSeconds != want {
							t.Fatalf("project %d: derived cycle %d s, facts %d s", p.ID, d.CycleSeconds, want)
						}
					} else if d.CycleSeconds != want {
						t.Fatalf("project %d (%v): cycle %d s for a project not sold", p.ID, f.State, d.CycleSeconds)
					}
					// The probability is that of the stored state: an open
					// project's whichever way it counts now.
					if f.State == d.State || (d.State == StateDeferred && f.State == StateActive) {
						if d.Probability != f.Probability || d.Weighted != f.Weighted {
							t.Fatalf("project %d: derived probability %d weighted %d, facts %d / %d", p.ID, d.Probability, d.Weighted, f.Probability, f.Weighted)
						}
					}
				}
			}
		}
	}
}

// TestDerivedDeferredDue: a deferred project not back yet keeps the due
// date its anchor gives (not counted from its defer-until day); once back,
// the due date counts from the start of its defer-until day.
func TestDerivedDeferredDue(t *testing.T) {
	loc, _ := time.LoadLocation("America/Los_Angeles")
	defs := []MilestoneDef{
		{ID: 1, Position: 1, Active: true, Probability: 5},
		{ID: 2, Position: 2, Active: true, DeadlineDays: 2, Probability: 25, Qualifying: true},
		{ID: 3, Position: 3, Active: true, DeadlineDays: 7, Probability: 50},
		{ID: 4, Position: 4, Active: true, DeadlineDays: 30, Probability: 100, Won: true},
	}
	created := time.Date(2026, 11, 2, 9, 0, 0, 0, loc)
	p := Project{State: StateDeferred, CreatedAt: created, Value: 1000,
		Completions: []Completion{{MilestoneID: 1, At: created}, {MilestoneID: 2, At: created.Add(24 * time.Hour)}},
		DeferUntil:  DayStart(2026, 12, 15, loc)}
	e, err := NewEngine(defs, Settings{Location: loc, Now: created})
	if err != nil {
		t.Fatal(err)
	}
	d := e.Derive(&p)
	if want := DayStart(2026, 11, 10, loc); !d.DeferredDue.Equal(want) {
		t.Errorf("due while deferred %v, want %v (3 Nov + 7 days)", d.DeferredDue, want)
	}
	if want := DayStart(2026, 12, 22, loc); !d.Due.Equal(want) {
		t.Errorf("due once back %v, want %v (15 Dec + 7 days)", d.Due, want)
	}
	if m := d.At(DayStart(2026, 12, 14, loc).Add(23*time.Hour + 59*time.Minute)); m.State != StateDeferred || !m.Due.Equal(d.DeferredDue) || m.Late {
		t.Errorf("14 Dec 23:59: %+v, want deferred, due 10 Nov, not late", m)
	}
	if m := d.At(DayStart(2026, 12, 15, loc)); m.State != StateActive || !m.Due.Equal(d.Due) || m.Late {
		t.Errorf("15 Dec 00:00: %+v, want active, due 22 Dec, not late", m)
	}
	if m := d.At(DayStart(2026, 12, 23, loc)); !m.Late || !m.LateMilestone {
		t.Errorf("23 Dec: %+v, want late", m)
	}
}

// TestDaysSince counts calendar days in the tenant's zone, not 24-hour spans.
func TestDaysSince(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 11, 2, 0, 1, 0, 0, loc)
	e, err := NewEngine(genDefs(2), Settings{Location: loc, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2026, 11, 1, 23, 59, 0, 0, loc), 1}, // two minutes ago, yesterday
		{time.Date(2026, 11, 2, 0, 0, 0, 0, loc), 0},
		{time.Date(2026, 10, 31, 12, 0, 0, 0, loc), 2}, // across the end of daylight saving time
		{time.Date(2026, 3, 8, 12, 0, 0, 0, loc), 239},
	} {
		if got := e.DaysSince(tt.at); got != tt.want {
			t.Errorf("DaysSince(%v) = %d, want %d", tt.at, got, tt.want)
		}
	}
}

// TestDerivedWeightedAgreesWithDerive: the weighted value recomputed from
// what Derive stored (state, value, override, last completed milestone) is
// Derive's, with configured and with learned probabilities.
func TestDerivedWeightedAgreesWithDerive(t *testing.T) {
	for _, n := range []int{1, 3, 6} {
		defs := genDefs(n)
		ps := genProjects(uint64(n)*17, 2000, defs, 5)
		learned := map[int64]Prob{}
		for i, d := range defs {
			if i%2 == 0 {
				learned[d.ID] = Prob(1234 * (i + 1))
			}
		}
		for _, s := range []Settings{{Now: genNow}, {Now: genNow, UseLearned: true, Learned: learned}} {
			e, err := NewEngine(defs, s)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ps {
				p := &ps[i]
				if i%7 == 0 {
					p.State = StateUnknown
				}
				d := e.Derive(p)
				got := e.DerivedWeighted(p.State, p.Value, p.HasOverride, p.ProbabilityOverride, d.Last)
				if got != d.Weighted {
					t.Fatalf("%d milestones, learned %v, project %d (%v, override %v %d): DerivedWeighted %d, Derive %d",
						n, s.UseLearned, p.ID, p.State, p.HasOverride, p.ProbabilityOverride, got, d.Weighted)
				}
			}
		}
	}
}
