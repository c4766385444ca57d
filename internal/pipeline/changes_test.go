package pipeline

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestChangesEdgeCases(t *testing.T) {
	loc := time.UTC
	e := engine(t, defaultDefs(), Settings{Location: loc, Now: at(loc, 2026, 6, 1, 0, 0)})
	period := Period{From: at(loc, 2026, 3, 1, 0, 0), To: at(loc, 2026, 4, 1, 0, 0)}
	window := Period{From: at(loc, 2026, 4, 1, 0, 0), To: at(loc, 2026, 7, 1, 0, 0)}
	before := at(loc, 2026, 1, 10, 9, 0)
	mar := func(d int) time.Time { return at(loc, 2026, 3, d, 12, 0) }
	date := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	val := func(t time.Time, old int64) FieldChange { return FieldChange{At: t, Field: FieldValue, Old: old} }
	st := func(t time.Time, old State) FieldChange {
		return FieldChange{At: t, Field: FieldState, Old: int64(old)}
	}
	cl := func(t time.Time, old time.Time) FieldChange {
		return FieldChange{At: t, Field: FieldExpectedClose, OldDate: old}
	}
	type want map[Bucket]int64
	cases := []struct {
		name       string
		p          Project
		window     bool
		start, end int64
		buckets    want
	}{
		{"created and lost in the period", Project{CreatedAt: mar(2), State: StateArchived, Value: 500,
			Changes: []FieldChange{st(mar(9), StateActive)}}, false, 0, 0, want{BucketCreated: 500, BucketLost: -500}},
		{"value changed several times", Project{CreatedAt: before, State: StateActive, Value: 700,
			Changes: []FieldChange{val(mar(2), 1000), val(mar(3), 400), val(mar(4), 900)}}, false, 1000, 700,
			want{BucketIncreased: 500, BucketDecreased: -800}},
		{"archived then reopened", Project{CreatedAt: before, State: StateActive, Value: 300,
			Changes: []FieldChange{st(mar(2), StateActive), st(mar(5), StateArchived), val(mar(6), 200)}}, false, 200, 300,
			want{BucketLost: -200, BucketReopened: 200, BucketIncreased: 100}},
		{"sold", Project{CreatedAt: before, State: StateSold, Value: 900, Changes: []FieldChange{st(mar(7), StateActive)}},
			false, 900, 0, want{BucketWon: -900}},
		{"sold before the period", Project{CreatedAt: before, State: StateSold, Value: 900,
			Changes: []FieldChange{st(at(loc, 2026, 2, 1, 0, 0), StateActive)}}, false, 0, 0, want{}},
		{"created after the period", Project{CreatedAt: at(loc, 2026, 4, 1, 0, 0), Value: 900}, false, 0, 0, want{}},
		{"created at the first instant", Project{CreatedAt: period.From, Value: 40}, false, 0, 40, want{BucketCreated: 40}},
		{"expected close changed several times", Project{CreatedAt: before, Value: 100, ExpectedClose: date(5, 1),
			Changes: []FieldChange{cl(mar(2), date(4, 10)), cl(mar(3), date(9, 1)), cl(mar(4), date(8, 1)), cl(mar(5), date(12, 1))}},
			true, 100, 100, want{BucketPushedOut: -100, BucketPulledIn: 100}},
		{"expected close cleared", Project{CreatedAt: before, Value: 100,
			Changes: []FieldChange{cl(mar(2), date(4, 10))}}, true, 100, 0, want{BucketPushedOut: -100}},
		{"expected close set from none", Project{CreatedAt: before, Value: 100, ExpectedClose: date(6, 30),
			Changes: []FieldChange{cl(mar(2), time.Time{})}}, true, 0, 100, want{BucketPulledIn: 100}},
		{"no expected close without a window", Project{CreatedAt: before, Value: 100}, false, 100, 100, want{}},
		{"no expected close with a window", Project{CreatedAt: before, Value: 100}, true, 0, 0, want{}},
		{"negative value counts as zero", Project{CreatedAt: before, Value: 50, Changes: []FieldChange{val(mar(2), -20)}},
			false, 0, 50, want{BucketIncreased: 50}},
		{"deferred stays in", Project{CreatedAt: before, State: StateDeferred, Value: 60,
			Changes: []FieldChange{st(mar(2), StateActive)}}, false, 60, 60, want{}},
		{"value changed with the sale", Project{CreatedAt: before, State: StateSold, Value: 1200,
			Changes: []FieldChange{val(mar(7), 1000), st(mar(7), StateActive)}}, false, 1000, 0, want{BucketWon: -1000}},
		{"change at the end instant is next period's", Project{CreatedAt: before, Value: 10,
			Changes: []FieldChange{val(period.To, 30)}}, false, 30, 30, want{}},
	}
	for _, c := range cases {
		o := ChangesOptions{Period: period}
		if c.window {
			o.Close = window
		}
		ch := NewChanges(e, o)
		ch.Add(&c.p)
		r := ch.Result()
		if r.Start.Value != c.start || r.End.Value != c.end {
			t.Errorf("%s: start %d end %d, want %d %d", c.name, r.Start.Value, r.End.Value, c.start, c.end)
		}
		for b := range NumBuckets {
			if r.Buckets[b].Value != c.buckets[b] {
				t.Errorf("%s: %s = %d, want %d", c.name, b, r.Buckets[b].Value, c.buckets[b])
			}
			if n := r.Buckets[b].Count; (n == 1) != (c.buckets[b] != 0) && c.buckets[b] != 0 {
				t.Errorf("%s: %s counts %d", c.name, b, n)
			}
		}
		if r.Balance() != 0 {
			t.Errorf("%s: off balance by %d", c.name, r.Balance())
		}
	}
}

// TestChangesBalance: on random histories the waterfall balances to the
// cent and every project's steps add up to its end minus its start.
func TestChangesBalance(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	e := engine(t, defaultDefs(), Settings{Location: loc, Now: at(loc, 2026, 6, 1, 0, 0)})
	rng := rand.New(rand.NewPCG(7, 14))
	base := at(loc, 2026, 1, 1, 0, 0)
	hours := func() time.Time { return base.Add(time.Duration(rng.IntN(24*150)) * time.Hour) }
	for _, window := range []bool{false, true} {
		o := ChangesOptions{Period: Period{From: at(loc, 2026, 2, 1, 0, 0), To: at(loc, 2026, 4, 1, 0, 0)}}
		if window {
			o.Close = Period{From: at(loc, 2026, 3, 1, 0, 0), To: at(loc, 2026, 6, 1, 0, 0)}
		}
		ch := NewChanges(e, o)
		var sum [NumBuckets]int64
		for range 2000 {
			p := Project{CreatedAt: hours(), State: State(1 + rng.IntN(4)), Value: int64(rng.IntN(100000)) - 5000}
			if rng.IntN(3) > 0 {
				p.ExpectedClose = time.Date(2026, time.Month(1+rng.IntN(8)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
			}
			last := p.CreatedAt
			for range rng.IntN(6) {
				last = last.Add(time.Duration(rng.IntN(24*20)) * time.Hour)
				c := FieldChange{At: last, Field: HistoryField(1 + rng.IntN(3))}
				switch c.Field {
				case FieldValue:
					c.Old = int64(rng.IntN(100000))
				case FieldState:
					c.Old = int64(1 + rng.IntN(4))
				case FieldExpectedClose:
					if rng.IntN(4) > 0 {
						c.OldDate = time.Date(2026, time.Month(1+rng.IntN(8)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
					}
				}
				p.Changes = append(p.Changes, c)
			}
			v0, _ := ch.InAt(&p, o.Period.From)
			v1, _ := ch.InAt(&p, o.Period.To)
			var n int64
			for _, s := range ch.Steps(&p, nil) {
				n += s.Amount
				sum[s.Bucket] += s.Amount
			}
			if v0+n != v1 {
				t.Fatalf("project %+v: %d + %d != %d", p, v0, n, v1)
			}
			ch.Add(&p)
		}
		r := ch.Result()
		if r.Balance() != 0 || r.Start.Count == 0 || r.End.Count == 0 {
			t.Fatalf("window %v: %+v off by %d", window, r, r.Balance())
		}
		for b := range NumBuckets {
			if r.Buckets[b].Value != sum[b] {
				t.Errorf("%s: %d, steps %d", b, r.Buckets[b].Value, sum[b])
			}
		}
		if !window && (r.Buckets[BucketPulledIn].Count != 0 || r.Buckets[BucketPushedOut].Count != 0) {
			t.Errorf("pulled in or pushed out without a window: %+v", r)
		}
	}
}

func TestAsOf(t *testing.T) {
	loc := time.UTC
	e := engine(t, defaultDefs(), Settings{Location: loc, Now: at(loc, 2026, 6, 1, 0, 0)})
	created := at(loc, 2026, 1, 5, 9, 0)
	p := Project{CreatedAt: created, State: StateSold, Value: 900, HasOverride: true, ProbabilityOverride: 80,
		ExpectedClose: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		Completions:   []Completion{done(mCreated, created), done(mQualified, at(loc, 2026, 2, 1, 9, 0)), done(mSold, at(loc, 2026, 3, 1, 9, 0))},
		Changes: []FieldChange{
			{At: at(loc, 2026, 2, 10, 0, 0), Field: FieldValue, Old: 500},
			{At: at(loc, 2026, 2, 10, 0, 0), Field: FieldProbability, Old: -1},
			{At: at(loc, 2026, 2, 20, 0, 0), Field: FieldExpectedClose},
			{At: at(loc, 2026, 3, 1, 9, 0), Field: FieldState, Old: int64(StateActive)},
		}}
	var d Project
	if e.AsOf(&d, &p, created) {
		t.Fatal("exists at its creation instant")
	}
	if !e.AsOf(&d, &p, at(loc, 2026, 2, 5, 0, 0)) {
		t.Fatal("missing")
	}
	if d.State != StateActive || d.Value != 500 || d.HasOverride || !d.ExpectedClose.IsZero() || len(d.Completions) != 2 {
		t.Fatalf("as of 5 Feb: %+v", d)
	}
	e.AsOf(&d, &p, at(loc, 2026, 2, 15, 0, 0))
	if d.Value != 900 || !d.HasOverride || d.ProbabilityOverride != 80 || !d.ExpectedClose.IsZero() {
		t.Fatalf("as of 15 Feb: %+v", d)
	}
	e.AsOf(&d, &p, at(loc, 2026, 6, 1, 0, 0))
	if d.State != StateSold || len(d.Completions) != 3 || d.ExpectedClose != p.ExpectedClose {
		t.Fatalf("as of now: %+v", d)
	}
	if len(p.Completions) != 3 || p.Value != 900 {
		t.Fatalf("AsOf changed its input: %+v", p)
	}
	for _, c := range []struct{ field, old string }{{"value", "12"}, {"expected_close", "2026-03-01"}, {"state", "sold"},
		{"probability", ""}, {"forecast", "commit"}, {"defer_until", ""}} {
		if _, ok := ParseFieldChange(created, c.field, c.old); !ok {
			t.Errorf("%s %q not read", c.field, c.old)
		}
	}
	for _, c := range []struct{ field, old string }{{"title", "x"}, {"value", "x"}, {"state", "gone"}, {"probability", "101"}} {
		if _, ok := ParseFieldChange(created, c.field, c.old); ok {
			t.Errorf("%s %q read", c.field, c.old)
		}
	}
}
