package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in       string
		from, to time.Time
		err      bool
	}{
		{"", time.Time{}, time.Time{}, false},
		{"2026", at(berlin, 2026, 1, 1, 0, 0), at(berlin, 2027, 1, 1, 0, 0), false},
		{"2026-Q1", at(berlin, 2026, 1, 1, 0, 0), at(berlin, 2026, 4, 1, 0, 0), false},
		{"2026-q4", at(berlin, 2026, 10, 1, 0, 0), at(berlin, 2027, 1, 1, 0, 0), false},
		{"2026-03", at(berlin, 2026, 3, 1, 0, 0), at(berlin, 2026, 4, 1, 0, 0), false},
		{"2026-12", at(berlin, 2026, 12, 1, 0, 0), at(berlin, 2027, 1, 1, 0, 0), false},
		{" 2026-03-29 ", at(berlin, 2026, 3, 29, 0, 0), at(berlin, 2026, 3, 30, 0, 0), false}, // 23-hour day
		{"2026-03-01..2026-03-31", at(berlin, 2026, 3, 1, 0, 0), at(berlin, 2026, 4, 1, 0, 0), false},
		{"2026-03-05..2026-03-05", at(berlin, 2026, 3, 5, 0, 0), at(berlin, 2026, 3, 6, 0, 0), false},
		{"2026-03-06..2026-03-05", time.Time{}, time.Time{}, true},
		{"2026-02-30", time.Time{}, time.Time{}, true},
		{"2026-13", time.Time{}, time.Time{}, true},
		{"2026-00", time.Time{}, time.Time{}, true},
		{"2026-Q5", time.Time{}, time.Time{}, true},
		{"+026", time.Time{}, time.Time{}, true},
		{"0000", time.Time{}, time.Time{}, true},
		{"2026/03", time.Time{}, time.Time{}, true},
		{"march", time.Time{}, time.Time{}, true},
		{"2026-03-01..", time.Time{}, time.Time{}, true},
	}
	for _, tt := range tests {
		p, err := ParsePeriod(tt.in, berlin)
		if (err != nil) != tt.err {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if !p.From.Equal(tt.from) || !p.To.Equal(tt.to) {
			t.Errorf("%q: %v – %v, want %v – %v", tt.in, p.From, p.To, tt.from, tt.to)
		}
	}
	p, _ := ParsePeriod("2026-03", berlin)
	if !p.Contains(at(berlin, 2026, 3, 31, 23, 59)) || p.Contains(at(berlin, 2026, 4, 1, 0, 0)) ||
		p.Contains(at(berlin, 2026, 2, 28, 23, 59)) || !p.Contains(p.From) {
		t.Errorf("Contains is not [From, To)")
	}
	if !(Period{}).Contains(time.Time{}) || !(Period{}).IsZero() {
		t.Errorf("zero period should contain everything")
	}
}

func TestParseNames(t *testing.T) {
	cats := map[string]ForecastCategory{"": CategoryNone, "pipeline": CategoryPipeline, "Best Case": CategoryBestCase,
		"best-case": CategoryBestCase, "COMMIT": CategoryCommit, "closed_won": CategoryClosedWon}
	for in, want := range cats {
		if got, err := ParseForecastCategory(in); err != nil || got != want {
			t.Errorf("category %q: %v %v", in, got, err)
		}
	}
	if _, err := ParseForecastCategory("omitted"); err == nil {
		t.Errorf("unknown category accepted")
	}
	for d := ByNone; d <= ByArchiveReason; d++ {
		if got, err := ParseDimension(d.String()); err != nil || got != d {
			t.Errorf("dimension %v: %v %v", d, got, err)
		}
	}
	if got, err := ParseDimension("Pending Milestone"); err != nil || got != ByPendingMilestone {
		t.Errorf("dimension with spaces: %v %v", got, err)
	}
	if _, err := ParseDimension("colour"); err == nil {
		t.Errorf("unknown dimension accepted")
	}
	for _, s := range []State{StateActive, StateDeferred, StateArchived, StateSold} {
		if got, err := ParseState(s.String()); err != nil || got != s {
			t.Errorf("state %v: %v %v", s, got, err)
		}
	}
	if k, err := ParseMonth("2026-03"); err != nil || k != MonthKey(2026, 3) {
		t.Errorf("month: %v %v", k, err)
	}
	for _, bad := range []string{"2026", "2026-Q1", "2026-03-01", "x"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("month %q accepted", bad)
		}
	}
	if y, m := MonthOf(MonthKey(2026, 12)); y != 2026 || m != 12 {
		t.Errorf("MonthOf %d %d", y, m)
	}
}

func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"", "2026", "2026-Q3", "2026-03", "2026-03-29", "2026-10-25..2026-11-01",
		"9999-12-31", "0001-01", "2026-02-29", "..", "2026-03-01..2026-02-01", "２０２６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, loc := range []*time.Location{time.UTC, berlin, newYork} {
			p, err := ParsePeriod(s, loc)
			if err != nil {
				if p != (Period{}) {
					t.Errorf("%q: error with a period", s)
				}
				continue
			}
			if strings.TrimSpace(s) == "" {
				if !p.IsZero() {
					t.Errorf("%q: empty input gave %v", s, p)
				}
				continue
			}
			if !p.From.Before(p.To) {
				t.Errorf("%q: empty or reversed period %v – %v", s, p.From, p.To)
			}
			if !p.Contains(p.From) || p.Contains(p.To) {
				t.Errorf("%q: not half-open", s)
			}
			if h, m, _ := p.From.In(loc).Clock(); h > 1 || m != 0 {
				t.Errorf("%q: does not start at a day start: %v", s, p.From)
			}
		}
	})
}

func FuzzParseNames(f *testing.F) {
	for _, s := range []string{"", "pipeline", "best case", "Commit", "closed-won", "owner", "month",
		"pending_milestone", "active", "sold", "2026-03", "\x00", "BEST_CASE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := ParseForecastCategory(s); err == nil {
			if again, err := ParseForecastCategory(c.String()); err != nil || again.String() != c.String() {
				t.Errorf("category %q does not round-trip: %v", s, c)
			}
		}
		if d, err := ParseDimension(s); err == nil {
			if again, err := ParseDimension(d.String()); err != nil || again != d {
				t.Errorf("dimension %q does not round-trip: %v", s, d)
			}
		}
		if st, err := ParseState(s); err == nil {
			if again, err := ParseState(st.String()); err != nil || again != st {
				t.Errorf("state %q does not round-trip: %v", s, st)
			}
		}
		if k, err := ParseMonth(s); err == nil {
			if y, m := MonthOf(k); y < 1 || y > 9999 || m < 1 || m > 12 {
				t.Errorf("month %q gave %d", s, k)
			}
		}
	})
}
